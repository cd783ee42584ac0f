import { Callout, CheckBox, Skeleton, TextInput } from '@rocket.chat/fuselage';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';

import { errorMessage } from '../../lib/api';
import { connection, hasPermission } from '../../lib/session';
import { toastError } from '../../ui/toast';
import { useRoles } from './UsersSection';

type Permission = { _id: string; roles: string[]; group?: string; level?: string; settingId?: string };

/** The permissions matrix: one row per permission, one column per role; a click grants or revokes. */
export function PermissionsSection() {
	const roles = useRoles();
	const qc = useQueryClient();
	const [filter, setFilter] = useState('');
	const perms = useQuery({ queryKey: ['permissions'], queryFn: async () => (await connection.rest.getRaw<{ update: Permission[] }>('/v1/permissions.listAll')).update });
	const editable = hasPermission('access-permissions');
	const rows = useMemo(() => (perms.data ?? []).filter((p) => p.level !== 'settings' && (!filter || p._id.includes(filter.toLowerCase()))).sort((a, b) => a._id.localeCompare(b._id)), [perms.data, filter]);
	const cols = roles.data ?? [];

	async function toggle(p: Permission, role: string) {
		const next = p.roles.includes(role) ? p.roles.filter((r) => r !== role) : [...p.roles, role];
		qc.setQueryData<Permission[]>(['permissions'], (old) => old?.map((x) => (x._id === p._id ? { ...x, roles: next } : x)));
		try {
			await connection.rest.postRaw('/v1/permissions.update', { permissions: [{ _id: p._id, roles: next }] } as never);
		} catch (err) {
			qc.setQueryData<Permission[]>(['permissions'], (old) => old?.map((x) => (x._id === p._id ? p : x)));
			toastError(err);
		}
	}

	return (
		<div>
			<div className="lo-toolbar">
				<TextInput placeholder="Filter permissions" aria-label="Filter permissions" value={filter} onChange={(e) => setFilter((e.target as HTMLInputElement).value)} />
			</div>
			{(perms.isLoading || roles.isLoading) && <Skeleton />}
			{(perms.error || roles.error) && <Callout type="danger">{errorMessage(perms.error ?? roles.error)}</Callout>}
			<div className="lo-matrix-wrap">
				<table className="lo-table lo-matrix" aria-label="Permissions by role">
					<thead>
						<tr>
							<th scope="col">Permission</th>
							{cols.map((r) => (
								<th key={r._id} scope="col" title={r.description}>
									{r.name}
								</th>
							))}
						</tr>
					</thead>
					<tbody>
						{rows.map((p) => (
							<tr key={p._id}>
								<th scope="row">{p._id}</th>
								{cols.map((r) => (
									<td key={r._id}>
										<CheckBox aria-label={`${p._id} for ${r.name}`} checked={p.roles.includes(r._id)} disabled={!editable} onChange={() => void toggle(p, r._id)} />
									</td>
								))}
							</tr>
						))}
					</tbody>
				</table>
			</div>
		</div>
	);
}
