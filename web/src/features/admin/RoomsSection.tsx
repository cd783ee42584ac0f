import { Button, Callout, Skeleton, TextInput } from '@rocket.chat/fuselage';
import { useDebouncedValue } from '@rocket.chat/fuselage-hooks';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';

import { roomPath } from '../../chat/types';
import { ApiError, errorMessage } from '../../lib/api';
import { Link } from '../../lib/router';
import { connection } from '../../lib/session';
import { toast, toastError } from '../../ui/toast';
import { RoomIcon } from '../sidebar/RoomIcon';

type AdminRoom = { _id: string; name?: string; fname?: string; t: string; usersCount?: number; msgs?: number; archived?: boolean; teamMain?: boolean; prid?: string; ro?: boolean; default?: boolean };

/** Rooms of every kind: rooms.adminRooms (Rocket.Chat), or channels.listAll + groups.listAll on servers without it. */
async function listRooms(text: string): Promise<AdminRoom[]> {
	try {
		const a = (await connection.rest.get('/v1/rooms.adminRooms', { filter: text, types: ['c', 'p', 'd', 'discussions', 'teams'], count: 100 } as never)) as unknown as { rooms: AdminRoom[] };
		return a.rooms;
	} catch (err) {
		if (!(err instanceof ApiError && err.isMissing)) throw err;
	}
	const [c, p] = await Promise.all([connection.rest.getRaw<{ channels: AdminRoom[] }>('/v1/channels.listAll', { count: 100 }), connection.rest.getRaw<{ groups: AdminRoom[] }>('/v1/groups.listAll', { count: 100 })]);
	const t = text.toLowerCase();
	return [...c.channels, ...p.groups].filter((r) => !t || (r.fname ?? r.name ?? '').toLowerCase().includes(t)).sort((a, b) => (a.fname ?? a.name ?? '').localeCompare(b.fname ?? b.name ?? ''));
}

export function RoomsSection() {
	const [text, setText] = useState('');
	const qc = useQueryClient();
	const term = useDebouncedValue(text, 250);
	const q = useQuery({ queryKey: ['admin-rooms', term], queryFn: () => listRooms(term) });
	const refresh = () => qc.invalidateQueries({ queryKey: ['admin-rooms'] });
	async function archive(r: AdminRoom) {
		try {
			await connection.call(r.archived ? 'unarchiveRoom' : 'archiveRoom', r._id);
			toast(`${r.name} ${r.archived ? 'unarchived' : 'archived'}`, 'success');
			await refresh();
		} catch (err) {
			toastError(err);
		}
	}
	async function remove(r: AdminRoom) {
		if (!window.confirm(`Delete ${r.fname ?? r.name} and all its messages?`)) return;
		try {
			await connection.rest.postRaw('/v1/rooms.delete', { roomId: r._id } as never);
			toast(`${r.name} deleted`, 'success');
			await refresh();
		} catch (err) {
			toastError(err);
		}
	}
	async function rename(r: AdminRoom) {
		const name = window.prompt('New name', r.name);
		if (!name || name === r.name) return;
		try {
			await connection.call('saveRoomSettings', r._id, { roomName: name });
			await refresh();
		} catch (err) {
			toastError(err);
		}
	}
	return (
		<div>
			<div className="lo-toolbar">
				<TextInput placeholder="Search rooms" aria-label="Search rooms" value={text} onChange={(e) => setText((e.target as HTMLInputElement).value)} />
			</div>
			{q.isLoading && <Skeleton />}
			{q.error && <Callout type="danger">{errorMessage(q.error)}</Callout>}
			<table className="lo-table lo-admin-table">
				<thead>
					<tr>
						<th>Room</th>
						<th>Type</th>
						<th>Members</th>
						<th>Messages</th>
						<th />
					</tr>
				</thead>
				<tbody>
					{q.data?.map((r) => (
						<tr key={r._id}>
							<td>
								<RoomIcon sub={{ t: r.t, teamMain: r.teamMain, prid: r.prid, rid: r._id, name: r.name ?? '' }} /> <Link to={roomPath({ t: r.t, name: r.name, rid: r._id })}>{r.fname ?? r.name}</Link>
								{r.archived && <span className="lo-tag">archived</span>}
								{r.default && <span className="lo-tag">default</span>}
							</td>
							<td>{r.teamMain ? 'Team' : r.prid ? 'Discussion' : r.t === 'p' ? 'Private' : r.t === 'd' ? 'Direct' : 'Public'}</td>
							<td>{r.usersCount ?? ''}</td>
							<td>{r.msgs ?? ''}</td>
							<td>
<div className="lo-row-actions">
								{r.t !== 'd' && (
									<Button small onClick={() => void rename(r)}>
										Rename
									</Button>
								)}
								{r.t !== 'd' && (
									<Button small onClick={() => void archive(r)}>
										{r.archived ? 'Unarchive' : 'Archive'}
									</Button>
								)}
								<Button small secondary danger onClick={() => void remove(r)}>
									Delete
								</Button>
</div>
							</td>
						</tr>
					))}
				</tbody>
			</table>
		</div>
	);
}
