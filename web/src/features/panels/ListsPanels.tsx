import { Button, Callout, Skeleton, ToggleSwitch, Field, FieldLabel, FieldRow, Select } from '@rocket.chat/fuselage';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import { clearMessages } from '../../chat/messages';
import { normalizeMessage, type Room, type Subscription } from '../../chat/types';
import { errorMessage } from '../../lib/api';
import { formatDateTime } from '../../lib/dates';
import { Link, navigate } from '../../lib/router';
import { connection } from '../../lib/session';
import { Markup } from '../../markup/Markup';
import { UserAvatar } from '../../ui/Avatar';
import { toast, toastError } from '../../ui/toast';
import { CreateModal } from '../create/CreateModals';
import { PanelFrame } from './PanelFrame';

/** ThreadsPanel lists the room's threads, newest activity first. */
export function ThreadsPanel({ rid, onClose }: { rid: string; onClose: () => void }) {
	const [type, setType] = useState<'all' | 'following' | 'unread'>('all');
	const q = useQuery({
		queryKey: ['threads', rid, type],
		queryFn: async () => clearMessages((await connection.rest.getRaw<{ threads: Record<string, unknown>[] }>('/v1/chat.getThreadsList', { rid, type, count: 50 })).threads.map(normalizeMessage)),
	});
	return (
		<PanelFrame title="Threads" icon="thread" onClose={onClose}>
			<Select
				aria-label="Which threads"
				value={type}
				onChange={(v) => setType(v as typeof type)}
				options={[
					['all', 'All threads'],
					['following', 'Following'],
					['unread', 'Unread'],
				]}
			/>
			{q.isLoading && <Skeleton />}
			{q.error && <Callout type="danger">{errorMessage(q.error)}</Callout>}
			{q.data?.length === 0 && <p className="lo-muted">No threads here yet.</p>}
			<ul className="lo-panel-list" role="list">
				{q.data?.map((m) => (
					<li key={m._id} className="lo-message-card">
						<UserAvatar username={m.u.username} size="x24" />
						<div>
							<div className="lo-message-card-head">
								<strong>{m.u.name || m.u.username}</strong> <span className="lo-muted">{formatDateTime(m.ts)}</span>
							</div>
							<Markup text={m.msg} />
							<Link to={`${window.location.pathname.replace(/\/(threads).*$/, '')}/thread/${m._id}`}>
								{m.tcount ?? 0} replies{m.tlm ? `, last ${formatDateTime(m.tlm)}` : ''}
							</Link>
						</div>
					</li>
				))}
			</ul>
		</PanelFrame>
	);
}

/** DiscussionsPanel lists the room's discussions and starts new ones. */
export function DiscussionsPanel({ rid, onClose }: { rid: string; onClose: () => void }) {
	const [creating, setCreating] = useState(false);
	const q = useQuery({
		queryKey: ['discussions', rid],
		queryFn: async () => (await connection.rest.getRaw<{ discussions: Room[] & Record<string, unknown>[] }>('/v1/rooms.getDiscussions', { roomId: rid, count: 50 })).discussions,
	});
	return (
		<PanelFrame title="Discussions" icon="discussion" onClose={onClose}>
			<Button small onClick={() => setCreating(true)}>
				Start a discussion
			</Button>
			{q.isLoading && <Skeleton />}
			{q.error && <Callout type="danger">{errorMessage(q.error)}</Callout>}
			{q.data?.length === 0 && <p className="lo-muted">No discussions yet.</p>}
			<ul className="lo-panel-list" role="list">
				{q.data?.map((d) => (
					<li key={d._id}>
						<Link to={`/group/${encodeURIComponent(String(d.name ?? d._id))}`}>{String(d.fname ?? d.name)}</Link>
						<span className="lo-muted"> {d.msgs ?? 0} messages</span>
					</li>
				))}
			</ul>
			{creating && <CreateModal kind="discussion" parentRid={rid} onClose={() => setCreating(false)} />}
		</PanelFrame>
	);
}

/**
 * NotificationsPanel: the user's notification preferences for this room,
 * saved with rooms.saveNotification.
 */
export function NotificationsPanel({ rid, sub, onClose }: { rid: string; sub?: Subscription; onClose: () => void }) {
	const [form, setForm] = useState({
		disableNotifications: Boolean(sub?.disableNotifications),
		hideUnreadStatus: Boolean(sub?.hideUnreadStatus),
		hideMentionStatus: Boolean(sub?.hideMentionStatus),
		desktopNotifications: sub?.desktopNotifications ?? 'default',
		mobilePushNotifications: String((sub as Record<string, unknown> | undefined)?.mobilePushNotifications ?? 'default'),
		emailNotifications: String((sub as Record<string, unknown> | undefined)?.emailNotifications ?? 'default'),
	});
	const [busy, setBusy] = useState(false);
	const level: [string, string][] = [
		['default', 'Default'],
		['all', 'All messages'],
		['mentions', 'Mentions'],
		['nothing', 'Nothing'],
	];
	async function save() {
		setBusy(true);
		try {
			await connection.rest.postRaw('/v1/rooms.saveNotification', {
				roomId: rid,
				notifications: {
					disableNotifications: form.disableNotifications ? '1' : '0',
					hideUnreadStatus: form.hideUnreadStatus ? '1' : '0',
					hideMentionStatus: form.hideMentionStatus ? '1' : '0',
					desktopNotifications: form.desktopNotifications,
					mobilePushNotifications: form.mobilePushNotifications,
					emailNotifications: form.emailNotifications,
				},
			} as never);
			toast('Notification preferences saved', 'success');
			onClose();
		} catch (err) {
			toastError(err);
		} finally {
			setBusy(false);
		}
	}
	const toggle = (k: 'disableNotifications' | 'hideUnreadStatus' | 'hideMentionStatus', label: string) => (
		<Field marginBlockEnd="x16">
			<FieldRow>
				<FieldLabel htmlFor={`np-${k}`}>{label}</FieldLabel>
				<ToggleSwitch id={`np-${k}`} checked={form[k]} onChange={() => setForm((f) => ({ ...f, [k]: !f[k] }))} />
			</FieldRow>
		</Field>
	);
	const select = (k: 'desktopNotifications' | 'mobilePushNotifications' | 'emailNotifications', label: string) => (
		<Field marginBlockEnd="x16">
			<FieldLabel>{label}</FieldLabel>
			<FieldRow>
				<Select aria-label={label} value={form[k]} onChange={(v) => setForm((f) => ({ ...f, [k]: String(v) }))} options={level} />
			</FieldRow>
		</Field>
	);
	return (
		<PanelFrame title="Notification preferences" icon="bell" onClose={onClose}>
			{toggle('disableNotifications', 'Turn off notifications')}
			{toggle('hideUnreadStatus', 'Hide unread status')}
			{toggle('hideMentionStatus', 'Hide mention counts')}
			{select('desktopNotifications', 'Desktop')}
			{select('mobilePushNotifications', 'Mobile')}
			{select('emailNotifications', 'E-mail')}
			<Button primary loading={busy} onClick={() => void save()}>
				Save
			</Button>
		</PanelFrame>
	);
}

export function goToRoom(path: string) {
	navigate(path);
}
