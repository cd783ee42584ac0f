import { Button, ButtonGroup, Callout, Field, FieldHint, FieldLabel, FieldRow, Select, Skeleton, TextAreaInput, TextInput, ToggleSwitch } from '@rocket.chat/fuselage';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { errorMessage } from '../../lib/api';
import { formatDateTime, toMillis, type WireDate } from '../../lib/dates';
import { connection, hasPermission, useSetting } from '../../lib/session';
import { toast, toastError } from '../../ui/toast';

// Administration > Integrations (Rocket.Chat's): incoming and outgoing
// webhooks listed, created, edited and removed through integrations.*; an
// incoming webhook shows the URL to give the other system (Site_Url +
// /hooks/<id>/<token>); an outgoing one its call history.

export type Integration = {
	_id: string;
	type: 'webhook-incoming' | 'webhook-outgoing';
	name: string;
	enabled: boolean;
	username: string;
	channel: string[] | string;
	alias?: string;
	avatar?: string;
	emoji?: string;
	token?: string;
	scriptEnabled?: boolean;
	script?: string;
	scriptError?: { message?: string };
	event?: string;
	urls?: string[];
	triggerWords?: string[];
	retryFailedCalls?: boolean;
	_createdAt?: WireDate;
	_createdBy?: { username?: string };
};

/** hookUrl is the address another system posts to (Rocket.Chat's "Webhook URL"). */
export function hookUrl(siteUrl: string, i: Pick<Integration, '_id' | 'token'>): string {
	return `${siteUrl.replace(/\/$/, '')}/hooks/${i._id}/${i.token ?? ''}`;
}

/** splitList reads "a, b\nc" into ["a", "b", "c"]. */
export function splitList(s: string): string[] {
	return s
		.split(/[,\n]/)
		.map((x) => x.trim())
		.filter(Boolean);
}

const EVENTS: [string, string][] = [
	['sendMessage', 'Message sent'],
	['fileUploaded', 'File uploaded'],
	['roomArchived', 'Room archived'],
	['roomCreated', 'Room created'],
	['roomJoined', 'User joined room'],
	['roomLeft', 'User left room'],
	['userCreated', 'User created'],
];

function canManage(type: 'incoming' | 'outgoing') {
	return hasPermission(`manage-${type}-integrations`) || hasPermission(`manage-own-${type}-integrations`);
}

export function IntegrationsSection() {
	const [editing, setEditing] = useState<Integration | 'webhook-incoming' | 'webhook-outgoing'>();
	const [history, setHistory] = useState<Integration>();
	const siteUrl = useSetting('Site_Url', location.origin) || location.origin;
	const q = useQuery({
		queryKey: ['integrations'],
		queryFn: async () => (await connection.rest.getRaw<{ integrations: Integration[] }>('/v1/integrations.list', { count: 100, sort: JSON.stringify({ name: 1 }) })).integrations,
	});
	if (editing) {
		return <IntegrationForm initial={typeof editing === 'string' ? undefined : editing} type={typeof editing === 'string' ? editing : editing.type} siteUrl={siteUrl} onDone={() => setEditing(undefined)} />;
	}
	if (history) return <History integration={history} onBack={() => setHistory(undefined)} />;
	return (
		<div>
			<div className="lo-toolbar">
				<ButtonGroup>
					{canManage('incoming') && (
						<Button primary onClick={() => setEditing('webhook-incoming')}>
							New incoming webhook
						</Button>
					)}
					{canManage('outgoing') && <Button onClick={() => setEditing('webhook-outgoing')}>New outgoing webhook</Button>}
				</ButtonGroup>
			</div>
			{q.isLoading && <Skeleton />}
			{q.error && <Callout type="danger">{errorMessage(q.error)}</Callout>}
			{q.data?.length === 0 && <p className="lo-muted">No integrations yet.</p>}
			{q.data && q.data.length > 0 && (
				<table className="lo-table lo-admin-table" aria-label="Integrations">
					<thead>
						<tr>
							<th>Name</th>
							<th>Type</th>
							<th>Post as</th>
							<th>Created</th>
							<th />
						</tr>
					</thead>
					<tbody>
						{q.data.map((i) => (
							<tr key={i._id}>
								<td>
									{i.name}
									{!i.enabled && <span className="lo-tag">disabled</span>}
									{i.scriptError && <span className="lo-tag">script error</span>}
								</td>
								<td>{i.type === 'webhook-incoming' ? 'Incoming' : `Outgoing (${EVENTS.find((e) => e[0] === i.event)?.[1] ?? i.event})`}</td>
								<td>@{i.username}</td>
								<td>{i._createdAt ? formatDateTime(toMillis(i._createdAt)) : ''}</td>
								<td>
									<div className="lo-row-actions">
										<Button small onClick={() => setEditing(i)}>
											Edit
										</Button>
										{i.type === 'webhook-outgoing' && (
											<Button small onClick={() => setHistory(i)}>
												History
											</Button>
										)}
									</div>
								</td>
							</tr>
						))}
					</tbody>
				</table>
			)}
		</div>
	);
}

function IntegrationForm({ initial, type, siteUrl, onDone }: { initial?: Integration; type: Integration['type']; siteUrl: string; onDone: () => void }) {
	const incoming = type === 'webhook-incoming';
	const qc = useQueryClient();
	const [saved, setSaved] = useState<Integration | undefined>(initial);
	const [f, setF] = useState({
		name: initial?.name ?? '',
		enabled: initial?.enabled ?? true,
		username: initial?.username ?? '',
		channel: Array.isArray(initial?.channel) ? initial.channel.join(', ') : (initial?.channel ?? ''),
		alias: initial?.alias ?? '',
		avatar: initial?.avatar ?? '',
		emoji: initial?.emoji ?? '',
		scriptEnabled: initial?.scriptEnabled ?? false,
		script: initial?.script ?? '',
		event: initial?.event ?? 'sendMessage',
		urls: (initial?.urls ?? []).join('\n'),
		triggerWords: (initial?.triggerWords ?? []).join(', '),
		token: initial?.token ?? '',
		retryFailedCalls: initial?.retryFailedCalls ?? true,
	});
	const [error, setError] = useState<string>();
	const [busy, setBusy] = useState(false);
	const text = (k: keyof typeof f) => (e: { target: unknown }) => setF((x) => ({ ...x, [k]: (e.target as HTMLInputElement).value }));
	const flag = (k: keyof typeof f) => (e: { target: unknown }) => setF((x) => ({ ...x, [k]: (e.target as HTMLInputElement).checked }));

	async function submit(e: FormEvent) {
		e.preventDefault();
		setBusy(true);
		setError(undefined);
		const body: Record<string, unknown> = {
			type,
			name: f.name.trim(),
			enabled: f.enabled,
			username: f.username.trim().replace(/^@/, ''),
			channel: f.channel.trim(),
			alias: f.alias,
			avatar: f.avatar,
			emoji: f.emoji,
			scriptEnabled: f.scriptEnabled,
			script: f.script,
		};
		if (!incoming) Object.assign(body, { event: f.event, urls: splitList(f.urls), triggerWords: splitList(f.triggerWords), token: f.token, retryFailedCalls: f.retryFailedCalls });
		try {
			let answer: { integration: Integration };
			if (saved) {
				const res = await connection.rest.send('/v1/integrations.update', 'PUT', { body: JSON.stringify({ ...body, integrationId: saved._id }), headers: { 'Content-Type': 'application/json' } });
				answer = (await res.json()) as typeof answer;
			} else {
				answer = await connection.rest.postRaw<{ integration: Integration }>('/v1/integrations.create', body);
			}
			setSaved(answer.integration);
			await qc.invalidateQueries({ queryKey: ['integrations'] });
			toast(saved ? 'Integration saved' : 'Integration created', 'success');
			if (answer.integration.scriptError?.message) setError(`The script has an error: ${answer.integration.scriptError.message}`);
		} catch (err) {
			setError(errorMessage(err));
		} finally {
			setBusy(false);
		}
	}

	async function remove() {
		if (!saved || !window.confirm(`Delete the integration ${saved.name}?`)) return;
		try {
			await connection.rest.postRaw('/v1/integrations.remove', { type, integrationId: saved._id });
			await qc.invalidateQueries({ queryKey: ['integrations'] });
			toast('Integration deleted', 'success');
			onDone();
		} catch (err) {
			toastError(err);
		}
	}

	const field = (id: string, label: string, input: React.ReactNode, hint?: string) => (
		<Field marginBlockEnd="x16">
			<FieldLabel htmlFor={id}>{label}</FieldLabel>
			<FieldRow>{input}</FieldRow>
			{hint && <FieldHint>{hint}</FieldHint>}
		</Field>
	);

	return (
		<form onSubmit={submit} className="lo-form" aria-label={incoming ? 'Incoming webhook' : 'Outgoing webhook'}>
			<h2 className="lo-section-title">
				{saved ? 'Edit' : 'New'} {incoming ? 'incoming' : 'outgoing'} webhook
			</h2>
			{saved && incoming && (
				<Callout type="info" title="Webhook URL" marginBlockEnd="x16">
					<code className="lo-hook-url" data-testid="hook-url">
						{hookUrl(siteUrl, saved)}
					</code>
					<p>Send JSON such as {'{"text": "Build passed"}'} to this address with POST.</p>
				</Callout>
			)}
			<Field marginBlockEnd="x16">
				<FieldRow>
					<FieldLabel htmlFor="int-enabled">Enabled</FieldLabel>
					<ToggleSwitch id="int-enabled" checked={f.enabled} onChange={flag('enabled')} />
				</FieldRow>
			</Field>
			{!incoming && field('int-event', 'Event trigger', <Select id="int-event" aria-label="Event trigger" value={f.event} onChange={(v) => setF((x) => ({ ...x, event: String(v) }))} options={EVENTS} />)}
			{field('int-name', 'Name', <TextInput id="int-name" value={f.name} onChange={text('name')} />)}
			{field('int-channel', incoming ? 'Post to channel' : 'Channel', <TextInput id="int-channel" value={f.channel} onChange={text('channel')} placeholder="#general" />, incoming ? '#channel or @user' : '#channel, @user, all_public_channels, all_private_groups, all_direct_messages (comma-separated); empty: every channel')}
			{field('int-username', 'Post as', <TextInput id="int-username" value={f.username} onChange={text('username')} placeholder="rocket.cat" />, 'The user the messages come from.')}
			{!incoming && field('int-urls', 'URLs', <TextAreaInput id="int-urls" rows={2} value={f.urls} onChange={text('urls')} />, 'One per line; each gets the event as JSON.')}
			{!incoming && f.event === 'sendMessage' && field('int-words', 'Trigger words', <TextInput id="int-words" value={f.triggerWords} onChange={text('triggerWords')} />, 'Comma-separated; empty: every message.')}
			{!incoming && field('int-token', 'Token', <TextInput id="int-token" value={f.token} onChange={text('token')} />, 'Sent with every call, for the receiver to check.')}
			{field('int-alias', 'Alias', <TextInput id="int-alias" value={f.alias} onChange={text('alias')} />)}
			{field('int-avatar', 'Avatar URL', <TextInput id="int-avatar" value={f.avatar} onChange={text('avatar')} />)}
			{field('int-emoji', 'Emoji', <TextInput id="int-emoji" value={f.emoji} onChange={text('emoji')} placeholder=":ghost:" />)}
			{!incoming && (
				<Field marginBlockEnd="x16">
					<FieldRow>
						<FieldLabel htmlFor="int-retry">Retry failed calls</FieldLabel>
						<ToggleSwitch id="int-retry" checked={f.retryFailedCalls} onChange={flag('retryFailedCalls')} />
					</FieldRow>
				</Field>
			)}
			<Field marginBlockEnd="x16">
				<FieldRow>
					<FieldLabel htmlFor="int-script-on">Script enabled</FieldLabel>
					<ToggleSwitch id="int-script-on" checked={f.scriptEnabled} onChange={flag('scriptEnabled')} />
				</FieldRow>
			</Field>
			{f.scriptEnabled &&
				field(
					'int-script',
					'Script',
					<TextAreaInput id="int-script" className="lo-script" rows={14} spellCheck={false} value={f.script} onChange={text('script')} />,
					incoming ? 'class Script { process_incoming_request({ request }) { return { content: { text: request.content.text } }; } }' : 'class Script { prepare_outgoing_request({ request }) { return request; } process_outgoing_response({ request, response }) {} }',
				)}
			{error && (
				<Callout type="danger" role="alert" marginBlockEnd="x16">
					{error}
				</Callout>
			)}
			<div className="lo-button-row">
				<Button type="submit" primary loading={busy}>
					Save
				</Button>
				<Button type="button" onClick={onDone}>
					Back
				</Button>
				{saved && (
					<Button type="button" danger onClick={() => void remove()}>
						Delete
					</Button>
				)}
			</div>
		</form>
	);
}

type HistoryEntry = { _id: string; step?: string; error?: boolean; _createdAt?: WireDate; _updatedAt?: WireDate; httpResult?: unknown; httpError?: unknown; data?: { text?: string } };

function History({ integration, onBack }: { integration: Integration; onBack: () => void }) {
	const q = useQuery({
		queryKey: ['integration-history', integration._id],
		queryFn: async () => (await connection.rest.getRaw<{ history: HistoryEntry[] }>('/v1/integrations.history', { id: integration._id, count: 50 })).history,
	});
	return (
		<div>
			<div className="lo-toolbar">
				<Button onClick={onBack}>Back</Button>
				<h2 className="lo-section-title">History of {integration.name}</h2>
			</div>
			{q.isLoading && <Skeleton />}
			{q.error && <Callout type="danger">{errorMessage(q.error)}</Callout>}
			{q.data?.length === 0 && <p className="lo-muted">No calls yet.</p>}
			<ul className="lo-panel-list" aria-label="Calls">
				{q.data?.map((h) => (
					<li key={h._id} className={h.error ? 'lo-history is-failed' : 'lo-history'}>
						<strong>{h.step}</strong> <span className="lo-muted">{formatDateTime(toMillis(h._updatedAt ?? h._createdAt))}</span>
						{h.data?.text && <div>{h.data.text}</div>}
						{h.httpError != null && <pre className="lo-history-detail">{JSON.stringify(h.httpError, null, 2)}</pre>}
						{h.httpResult != null && <pre className="lo-history-detail">{typeof h.httpResult === 'string' ? h.httpResult : JSON.stringify(h.httpResult, null, 2)}</pre>}
					</li>
				))}
			</ul>
		</div>
	);
}
