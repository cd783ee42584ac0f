import { Button, Callout, CheckBox, EmailInput, Field, FieldLabel, FieldRow, PasswordInput, Skeleton, TextInput, ToggleSwitch } from '@rocket.chat/fuselage';
import { useDebouncedValue } from '@rocket.chat/fuselage-hooks';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { errorMessage } from '../../lib/api';
import { connection } from '../../lib/session';
import { UserAvatar } from '../../ui/Avatar';
import { toast, toastError } from '../../ui/toast';
import { Dialog } from '../create/CreateModals';

type AdminUser = { _id: string; username: string; name?: string; emails?: { address: string }[]; roles?: string[]; active?: boolean; status?: string; type?: string };
type Role = { _id: string; name: string; scope?: string; description?: string };

export function useRoles() {
	return useQuery({ queryKey: ['roles'], queryFn: async () => (await connection.rest.getRaw<{ roles: Role[] }>('/v1/roles.list')).roles });
}

export function UsersSection() {
	const [text, setText] = useState('');
	const [offset, setOffset] = useState(0);
	const [editing, setEditing] = useState<AdminUser | 'new'>();
	const qc = useQueryClient();
	const term = useDebouncedValue(text, 250);
	const q = useQuery({
		queryKey: ['admin-users', term, offset],
		queryFn: () => {
			const re = term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
			const query = term ? { $or: [{ username: { $regex: re, $options: 'i' } }, { name: { $regex: re, $options: 'i' } }, { 'emails.address': { $regex: re, $options: 'i' } }] } : {};
			return connection.rest.getRaw<{ users: AdminUser[]; total: number }>('/v1/users.list', { count: 25, offset, sort: JSON.stringify({ username: 1 }), ...(term ? { query: JSON.stringify(query) } : {}) });
		},
	});
	const refresh = () => qc.invalidateQueries({ queryKey: ['admin-users'] });
	async function setActive(u: AdminUser, active: boolean) {
		try {
			await connection.rest.post('/v1/users.setActiveStatus', { userId: u._id, activeStatus: active } as never);
			toast(`${u.username} ${active ? 'activated' : 'deactivated'}`, 'success');
			await refresh();
		} catch (err) {
			toastError(err);
		}
	}
	return (
		<div>
			<div className="lo-toolbar">
				<TextInput placeholder="Search users" aria-label="Search users" value={text} onChange={(e) => (setText((e.target as HTMLInputElement).value), setOffset(0))} />
				<Button primary onClick={() => setEditing('new')}>
					New user
				</Button>
			</div>
			{q.isLoading && <Skeleton />}
			{q.error && <Callout type="danger">{errorMessage(q.error)}</Callout>}
			<table className="lo-table lo-admin-table">
				<thead>
					<tr>
						<th>User</th>
						<th>E-mail</th>
						<th>Roles</th>
						<th>Status</th>
						<th />
					</tr>
				</thead>
				<tbody>
					{q.data?.users.map((u) => (
						<tr key={u._id} data-testid="admin-user-row">
							<td>
								<UserAvatar username={u.username} size="x24" /> <strong>{u.name || u.username}</strong> <span className="lo-muted">@{u.username}</span>
							</td>
							<td>{u.emails?.[0]?.address}</td>
							<td>{u.roles?.join(', ')}</td>
							<td>{u.active === false ? 'Deactivated' : 'Active'}</td>
							<td>
<div className="lo-row-actions">
								<Button small onClick={() => setEditing(u)}>
									Edit
								</Button>
								<Button small secondary danger={u.active !== false} onClick={() => void setActive(u, u.active === false)}>
									{u.active === false ? 'Activate' : 'Deactivate'}
								</Button>
</div>
							</td>
						</tr>
					))}
				</tbody>
			</table>
			{q.data && (
				<div className="lo-pager">
					<Button small disabled={offset === 0} onClick={() => setOffset((o) => Math.max(0, o - 25))}>
						Previous
					</Button>
					<span className="lo-muted">
						{q.data.total === 0 ? 0 : offset + 1}–{Math.min(offset + 25, q.data.total)} of {q.data.total}
					</span>
					<Button small disabled={offset + 25 >= q.data.total} onClick={() => setOffset((o) => o + 25)}>
						Next
					</Button>
				</div>
			)}
			{editing && (
				<UserForm
					user={editing === 'new' ? undefined : editing}
					onClose={() => setEditing(undefined)}
					onSaved={() => {
						setEditing(undefined);
						void refresh();
					}}
				/>
			)}
		</div>
	);
}

function UserForm({ user, onClose, onSaved }: { user?: AdminUser; onClose: () => void; onSaved: () => void }) {
	const roles = useRoles();
	const [form, setForm] = useState({
		name: user?.name ?? '',
		username: user?.username ?? '',
		email: user?.emails?.[0]?.address ?? '',
		password: '',
		roles: user?.roles ?? ['user'],
		joinDefaultChannels: true,
		verified: true,
		requirePasswordChange: false,
	});
	const [error, setError] = useState<string>();
	const [busy, setBusy] = useState(false);
	const set = (k: 'name' | 'username' | 'email' | 'password') => (e: { target: unknown }) => setForm((f) => ({ ...f, [k]: (e.target as HTMLInputElement).value }));
	async function submit(e: FormEvent) {
		e.preventDefault();
		setBusy(true);
		setError(undefined);
		try {
			if (user) {
				const data: Record<string, unknown> = { name: form.name, username: form.username, email: form.email, roles: form.roles };
				if (form.password) data.password = form.password;
				await connection.rest.post('/v1/users.update', { userId: user._id, data } as never);
				toast(`${form.username} saved`, 'success');
			} else {
				await connection.rest.post('/v1/users.create', {
					name: form.name,
					username: form.username,
					email: form.email,
					password: form.password,
					roles: form.roles,
					joinDefaultChannels: form.joinDefaultChannels,
					verified: form.verified,
					requirePasswordChange: form.requirePasswordChange,
				} as never);
				toast(`${form.username} created`, 'success');
			}
			onSaved();
		} catch (err) {
			setError(errorMessage(err));
			setBusy(false);
		}
	}
	const globalRoles = (roles.data ?? []).filter((r) => r.scope !== 'Subscriptions');
	return (
		<Dialog
			title={user ? `Edit ${user.username}` : 'New user'}
			onClose={onClose}
			onSubmit={submit}
			footer={
				<>
					<Button type="button" onClick={onClose}>
						Cancel
					</Button>
					<Button type="submit" primary loading={busy}>
						{user ? 'Save' : 'Create'}
					</Button>
				</>
			}
		>
			{(
				[
					['name', 'Name', 'text'],
					['username', 'Username', 'text'],
					['email', 'E-mail', 'email'],
				] as const
			).map(([k, label, type]) => (
				<Field key={k} marginBlockEnd="x16">
					<FieldLabel htmlFor={`u-${k}`}>{label}</FieldLabel>
					<FieldRow>
						{type === 'email' ? <EmailInput id={`u-${k}`} value={form[k]} onChange={set(k)} /> : <TextInput id={`u-${k}`} value={form[k]} onChange={set(k)} />}
					</FieldRow>
				</Field>
			))}
			<Field marginBlockEnd="x16">
				<FieldLabel htmlFor="u-password">{user ? 'New password (leave empty to keep)' : 'Password'}</FieldLabel>
				<FieldRow>
					<PasswordInput id="u-password" autoComplete="new-password" value={form.password} onChange={set('password')} />
				</FieldRow>
			</Field>
			<fieldset className="lo-fieldset">
				<legend>Roles</legend>
				{globalRoles.map((r) => (
					<label key={r._id} className="lo-check">
						<CheckBox checked={form.roles.includes(r._id)} onChange={() => setForm((f) => ({ ...f, roles: f.roles.includes(r._id) ? f.roles.filter((x) => x !== r._id) : [...f.roles, r._id] }))} /> {r.name}
					</label>
				))}
			</fieldset>
			{!user && (
				<>
					<Field marginBlockEnd="x8">
						<FieldRow>
							<FieldLabel htmlFor="u-join">Join default channels</FieldLabel>
							<ToggleSwitch id="u-join" checked={form.joinDefaultChannels} onChange={() => setForm((f) => ({ ...f, joinDefaultChannels: !f.joinDefaultChannels }))} />
						</FieldRow>
					</Field>
					<Field marginBlockEnd="x8">
						<FieldRow>
							<FieldLabel htmlFor="u-change">Require a password change</FieldLabel>
							<ToggleSwitch id="u-change" checked={form.requirePasswordChange} onChange={() => setForm((f) => ({ ...f, requirePasswordChange: !f.requirePasswordChange }))} />
						</FieldRow>
					</Field>
				</>
			)}
			{error && (
				<Callout type="danger" role="alert">
					{error}
				</Callout>
			)}
		</Dialog>
	);
}
