import { Button, Callout, Field, FieldHint, FieldLabel, FieldRow, InputBox, NumberInput, PasswordInput, Select, Skeleton, TextAreaInput, TextInput, ToggleSwitch } from '@rocket.chat/fuselage';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';

import { errorMessage } from '../../lib/api';
import { connection, hasPermission } from '../../lib/session';
import { toast, toastError } from '../../ui/toast';

// Settings grouped as Rocket.Chat groups them (group, then section), each
// edited with the input its type calls for and saved on its own.

type Setting = { _id: string; value: unknown; packageValue?: unknown; type?: string; group?: string; section?: string; public?: boolean; values?: { key: string | number; i18nLabel?: string }[]; hidden?: boolean };

export function SettingsSection() {
	const [group, setGroup] = useState<string>();
	const [filter, setFilter] = useState('');
	const q = useQuery({ queryKey: ['admin-settings'], queryFn: loadAllSettings });
	const groups = useMemo(() => {
		const m = new Map<string, Setting[]>();
		for (const s of q.data ?? []) {
			if (s.hidden || s.type === 'group') continue;
			const g = s.group ?? 'Other';
			m.set(g, [...(m.get(g) ?? []), s]);
		}
		return m;
	}, [q.data]);
	const names = [...groups.keys()].sort();
	const current = group ?? names[0];
	const list = filter ? (q.data ?? []).filter((s) => s._id.toLowerCase().includes(filter.toLowerCase())) : (groups.get(current ?? '') ?? []);
	const sections = new Map<string, Setting[]>();
	for (const s of list) sections.set(s.section ?? '', [...(sections.get(s.section ?? '') ?? []), s]);
	return (
		<div className="lo-settings">
			<nav className="lo-settings-groups" aria-label="Setting groups">
				<TextInput placeholder="Find a setting" aria-label="Find a setting" value={filter} onChange={(e) => setFilter((e.target as HTMLInputElement).value)} />
				<ul role="list">
					{names.map((g) => (
						<li key={g}>
							<button type="button" aria-current={!filter && g === current ? 'true' : undefined} onClick={() => (setGroup(g), setFilter(''))}>
								{humanize(g)}
							</button>
						</li>
					))}
				</ul>
			</nav>
			<div className="lo-settings-body">
				{q.isLoading && <Skeleton />}
				{q.error && <Callout type="danger">{errorMessage(q.error)}</Callout>}
				<h2 className="lo-section-title">{filter ? `Settings matching “${filter}”` : humanize(current ?? '')}</h2>
				{[...sections.entries()].map(([section, settings]) => (
					<section key={section} className="lo-settings-section">
						{section && <h3>{humanize(section)}</h3>}
						{settings.map((s) => (
							<SettingField key={s._id} s={s} />
						))}
					</section>
				))}
			</div>
		</div>
	);
}

/** loadAllSettings pages through GET settings (the server caps a page at API_Upper_Count_Limit). */
async function loadAllSettings(): Promise<Setting[]> {
	const out: Setting[] = [];
	for (let offset = 0; offset < 10_000; ) {
		const page = await connection.rest.getRaw<{ settings: Setting[]; total: number }>('/v1/settings', { includeDefaults: true, count: 100, offset });
		out.push(...page.settings);
		offset += page.settings.length;
		if (page.settings.length === 0 || offset >= page.total) break;
	}
	return out;
}

function humanize(id: string): string {
	return id.replace(/_/g, ' ');
}

function SettingField({ s }: { s: Setting }) {
	const qc = useQueryClient();
	const [value, setValue] = useState<unknown>(s.value);
	const [busy, setBusy] = useState(false);
	const dirty = JSON.stringify(value) !== JSON.stringify(s.value);
	const editable = hasPermission('edit-privileged-setting');
	async function save(v = value) {
		setBusy(true);
		try {
			await connection.rest.post(`/v1/settings/${s._id}` as '/v1/settings/:_id', { value: v } as never);
			qc.setQueryData<Setting[]>(['admin-settings'], (old) => old?.map((x) => (x._id === s._id ? { ...x, value: v } : x)));
			toast(`${humanize(s._id)} saved`, 'success');
		} catch (err) {
			toastError(err);
		} finally {
			setBusy(false);
		}
	}
	const id = `set-${s._id}`;
	let input;
	switch (s.type) {
		case 'boolean':
			input = (
				<ToggleSwitch
					id={id}
					checked={Boolean(value)}
					disabled={!editable || busy}
					onChange={() => {
						setValue(!value);
						void save(!value);
					}}
				/>
			);
			break;
		case 'int':
			input = <NumberInput id={id} value={String(value ?? '')} disabled={!editable} onChange={(e) => setValue(Number((e.target as HTMLInputElement).value))} />;
			break;
		case 'select':
			input = <Select aria-label={s._id} value={String(value ?? '')} disabled={!editable} onChange={(v) => setValue(v)} options={(s.values ?? []).map((o) => [String(o.key), o.i18nLabel ? humanize(o.i18nLabel) : String(o.key)] as [string, string])} />;
			break;
		case 'code':
			input = <TextAreaInput id={id} rows={4} className="lo-mono" value={String(value ?? '')} disabled={!editable} onChange={(e) => setValue((e.target as HTMLTextAreaElement).value)} />;
			break;
		case 'color':
			input = <InputBox type="color" id={id} value={String(value ?? '')} disabled={!editable} onChange={(e) => setValue((e.target as HTMLInputElement).value)} />;
			break;
		case 'password':
			input = <PasswordInput id={id} value={String(value ?? '')} disabled={!editable} onChange={(e) => setValue((e.target as HTMLInputElement).value)} />;
			break;
		default:
			input = Array.isArray(value) ? (
				<TextInput id={id} value={(value as unknown[]).join(', ')} disabled={!editable} onChange={(e) => setValue((e.target as HTMLInputElement).value.split(',').map((x) => x.trim()).filter(Boolean))} />
			) : (
				<TextInput id={id} value={String(value ?? '')} disabled={!editable} onChange={(e) => setValue((e.target as HTMLInputElement).value)} />
			);
	}
	return (
		<Field marginBlockEnd="x16" className="lo-setting">
			<FieldLabel htmlFor={id}>{humanize(s._id)}</FieldLabel>
			<FieldRow>
				{input}
				{s.type !== 'boolean' && dirty && (
					<Button small primary loading={busy} onClick={() => void save()}>
						Save
					</Button>
				)}
			</FieldRow>
			<FieldHint>
				<code>{s._id}</code>
				{s.packageValue !== undefined && JSON.stringify(s.packageValue) !== JSON.stringify(s.value) && (
					<>
						{' '}
						· default {JSON.stringify(s.packageValue)}{' '}
						<button type="button" className="lo-link-button" onClick={() => (setValue(s.packageValue), void save(s.packageValue))}>
							reset
						</button>
					</>
				)}
			</FieldHint>
		</Field>
	);
}
