import { Button, Callout, Skeleton, TextInput } from '@rocket.chat/fuselage';
import { useDebouncedValue } from '@rocket.chat/fuselage-hooks';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';

import { rememberUsername } from '../../chat/presence';
import type { Room, Subscription } from '../../chat/types';
import { errorMessage } from '../../lib/api';
import { navigate } from '../../lib/router';
import { connection, hasPermission, useMe } from '../../lib/session';
import { UserAvatar } from '../../ui/Avatar';
import { PresenceBullet } from '../../ui/Status';
import { toast, toastError } from '../../ui/toast';
import { UserPicker } from '../create/UserPicker';
import { PanelFrame } from './PanelFrame';

type Member = { _id: string; username: string; name?: string; status?: string };

function membersEndpoint(t: string) {
	return t === 'p' ? '/v1/groups.members' : t === 'd' ? '/v1/im.members' : '/v1/channels.members';
}

export function MembersPanel({ rid, room, sub, onClose }: { rid: string; room?: Room; sub?: Subscription; onClose: () => void }) {
	const [filter, setFilter] = useState('');
	const [adding, setAdding] = useState(false);
	const [toAdd, setToAdd] = useState<string[]>([]);
	const qc = useQueryClient();
	const t = room?.t ?? sub?.t ?? 'c';
	const term = useDebouncedValue(filter, 250);
	const q = useQuery({
		queryKey: ['members', rid, term],
		queryFn: async () => {
			const a = await connection.rest.getRaw<{ members: Member[]; total: number }>(membersEndpoint(t), { roomId: rid, count: 100, filter: term || undefined });
			for (const m of a.members) rememberUsername(m.username, m._id);
			return a;
		},
	});
	const me = useMe();
	async function setIgnored(m: Member, ignore: boolean) {
		try {
			await connection.rest.getRaw('/v1/chat.ignoreUser', { rid, userId: m._id, ignore: String(ignore) });
			toast(ignore ? `Ignoring ${m.username}: their messages are hidden here` : `No longer ignoring ${m.username}`, 'success');
		} catch (err) {
			toastError(err);
		}
	}
	const canAdd = t !== 'd' && hasPermission(t === 'p' ? 'add-user-to-joined-room' : 'add-user-to-joined-room', sub?.roles ?? []);
	async function invite() {
		try {
			await connection.rest.post(t === 'p' ? '/v1/groups.invite' : '/v1/channels.invite', { roomId: rid, usernames: toAdd } as never);
			toast(`Added ${toAdd.join(', ')}`, 'success');
			setToAdd([]);
			setAdding(false);
			await qc.invalidateQueries({ queryKey: ['members', rid] });
		} catch (err) {
			toastError(err);
		}
	}
	return (
		<PanelFrame title="Members" icon="members" onClose={onClose}>
			<TextInput placeholder="Search members" aria-label="Search members" value={filter} onChange={(e) => setFilter((e.target as HTMLInputElement).value)} />
			{canAdd &&
				(adding ? (
					<div className="lo-add-members">
						<UserPicker value={toAdd} onChange={setToAdd} label="Add people" />
						<Button small primary disabled={toAdd.length === 0} onClick={() => void invite()}>
							Add
						</Button>
						<Button small onClick={() => setAdding(false)}>
							Cancel
						</Button>
					</div>
				) : (
					<Button small marginBlock="x8" onClick={() => setAdding(true)}>
						Add members
					</Button>
				))}
			{q.isLoading && <Skeleton />}
			{q.error && <Callout type="danger">{errorMessage(q.error)}</Callout>}
			{q.data && <p className="lo-muted">{q.data.total} members</p>}
			<ul className="lo-panel-list" role="list">
				{q.data?.members.map((m) => (
					<li key={m._id} className="lo-member">
						<button type="button" className="lo-member-button" onClick={() => navigate(`/direct/${encodeURIComponent(m.username)}`)} title={`Message ${m.username}`}>
							<UserAvatar username={m.username} size="x28" />
							<PresenceBullet uid={m._id} size="small" />
							<span className="lo-member-name">{m.name || m.username}</span>
							<span className="lo-muted">@{m.username}</span>
						</button>
						{m._id !== me._id && sub && (
							<Button small secondary onClick={() => void setIgnored(m, !sub.ignored?.includes(m._id))} aria-label={`${sub.ignored?.includes(m._id) ? 'Unignore' : 'Ignore'} ${m.username}`}>
								{sub.ignored?.includes(m._id) ? 'Unignore' : 'Ignore'}
							</Button>
						)}
					</li>
				))}
			</ul>
		</PanelFrame>
	);
}
