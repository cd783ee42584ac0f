import { Button, Callout, Skeleton, TextInput } from '@rocket.chat/fuselage';
import { useDebouncedValue } from '@rocket.chat/fuselage-hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import { findRoute, roomsStore } from '../../chat/rooms';
import { roomPath } from '../../chat/types';
import { ApiError, errorMessage } from '../../lib/api';
import { Link, navigate } from '../../lib/router';
import { connection } from '../../lib/session';
import { UserAvatar } from '../../ui/Avatar';
import { PresenceBullet } from '../../ui/Status';
import { toastError } from '../../ui/toast';
import { MobileMenuButton } from '../room/RoomHeader';
import { RoomIcon } from '../sidebar/RoomIcon';
import { Markup } from '../../markup/Markup';

// The directory: public channels, teams and people, searchable, as
// Rocket.Chat's (the directory endpoint; servers without it are asked with
// channels.list, teams.list and users.list).

type Row = { _id: string; name?: string; fname?: string; username?: string; t?: string; topic?: string; usersCount?: number; teamMain?: boolean };

async function search(type: 'channels' | 'users' | 'teams', text: string): Promise<Row[]> {
	try {
		const a = (await connection.rest.get('/v1/directory', { type, text, count: 50, sort: JSON.stringify(type === 'users' ? { username: 1 } : { usersCount: -1 }) } as never)) as unknown as { result: Row[] };
		return a.result;
	} catch (err) {
		if (!(err instanceof ApiError && err.isMissing)) throw err;
	}
	const regex = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	if (type === 'users') {
		const q = text ? { $or: [{ username: { $regex: regex, $options: 'i' } }, { name: { $regex: regex, $options: 'i' } }], active: true } : { active: true };
		const a = await connection.rest.getRaw<{ users: Row[] }>('/v1/users.list', { query: JSON.stringify(q), count: 50 });
		return a.users;
	}
	if (type === 'teams') {
		const a = await connection.rest.getRaw<{ teams: { _id: string; name: string; roomId: string; type: number }[] }>('/v1/teams.list', { count: 50 });
		return a.teams.filter((t) => !text || t.name.toLowerCase().includes(text.toLowerCase())).map((t) => ({ _id: t.roomId, name: t.name, t: t.type === 1 ? 'p' : 'c', teamMain: true }));
	}
	const a = await connection.rest.getRaw<{ channels: Row[] }>('/v1/channels.list', { count: 50, ...(text ? { query: JSON.stringify({ name: { $regex: regex } }) } : {}) });
	return a.channels;
}

export function Directory({ tab }: { tab: 'channels' | 'users' | 'teams' }) {
	const [text, setText] = useState('');
	const term = useDebouncedValue(text.trim(), 250);
	const q = useQuery({ queryKey: ['directory', tab, term], queryFn: () => search(tab, term) });
	return (
		<div className="lo-page">
			<header className="lo-page-header">
				<MobileMenuButton />
				<h1 className="lo-page-title">Directory</h1>
				<nav className="lo-tabs" aria-label="Directory sections">
					{(['channels', 'teams', 'users'] as const).map((t) => (
						<Link key={t} to={`/directory/${t}`} aria-current={tab === t ? 'page' : undefined}>
							{t === 'channels' ? 'Channels' : t === 'teams' ? 'Teams' : 'Users'}
						</Link>
					))}
				</nav>
			</header>
			<div className="lo-page-body">
				<TextInput placeholder={`Search ${tab}`} aria-label={`Search ${tab}`} value={text} onChange={(e) => setText((e.target as HTMLInputElement).value)} marginBlockEnd="x16" />
				{q.isLoading && <Skeleton />}
				{q.error && <Callout type="danger">{errorMessage(q.error)}</Callout>}
				{q.data?.length === 0 && <p className="lo-muted">Nothing found.</p>}
				<table className="lo-table lo-directory">
					<tbody>
						{q.data?.map((r) => (tab === 'users' ? <UserRow key={r._id} r={r} /> : <RoomRow key={r._id} r={r} />))}
					</tbody>
				</table>
			</div>
		</div>
	);
}

function RoomRow({ r }: { r: Row }) {
	const joined = Boolean(roomsStore.get().subs.get(r._id) ?? (r.name ? findRoute(r.t === 'p' ? 'group' : 'channel', r.name) : undefined));
	const path = roomPath({ t: r.t ?? 'c', name: r.name, rid: r._id });
	async function join() {
		try {
			await connection.rest.post('/v1/channels.join', { roomId: r._id } as never);
			navigate(path);
		} catch (err) {
			toastError(err);
		}
	}
	return (
		<tr>
			<td>
				<div className="lo-dir-name">
					<RoomIcon sub={{ t: r.t ?? 'c', teamMain: r.teamMain, rid: r._id, name: r.name ?? '' }} />
					<Link to={path}>{r.fname || r.name}</Link>
					{r.topic && (
						<div className="lo-muted lo-dir-topic">
							<Markup text={r.topic} />
						</div>
					)}
				</div>
			</td>
			<td className="lo-muted">{r.usersCount !== undefined ? `${r.usersCount} members` : ''}</td>
			<td className="lo-dir-action">{joined ? <Button small onClick={() => navigate(path)}>Open</Button> : r.t !== 'p' && <Button small primary onClick={() => void join()}>Join</Button>}</td>
		</tr>
	);
}

function UserRow({ r }: { r: Row }) {
	return (
		<tr>
			<td>
				<div className="lo-dir-name">
					<UserAvatar username={r.username ?? ''} size="x28" />
					<PresenceBullet uid={r._id} size="small" />
					<strong>{r.name || r.username}</strong> <span className="lo-muted">@{r.username}</span>
				</div>
			</td>
			<td />
			<td className="lo-dir-action">
				<Button small onClick={() => navigate(`/direct/${encodeURIComponent(r.username ?? '')}`)}>
					Message
				</Button>
			</td>
		</tr>
	);
}
