import { Avatar } from '@rocket.chat/fuselage';

import { session } from '../lib/session';
import { useStore } from '../lib/store';

type Size = 'x16' | 'x18' | 'x20' | 'x24' | 'x28' | 'x32' | 'x36' | 'x40' | 'x48' | 'x124' | 'x200';

/** UserAvatar shows /avatar/USERNAME (the server's avatar, generated initials by default). The signed-in user's carries their avatarETag, so a new picture shows at once. */
export function UserAvatar({ username, size = 'x36', etag }: { username: string; size?: Size; etag?: string }) {
	const mine = useStore(session, (s) => (s.phase === 'ready' && s.me.username === username ? (s.me.avatarETag ?? '') : undefined));
	const tag = etag ?? mine;
	const url = `/avatar/${encodeURIComponent(username)}${tag ? `?etag=${encodeURIComponent(tag)}` : ''}`;
	return <Avatar url={url} size={size} alt="" aria-hidden />;
}

export function RoomAvatar({ rid, size = 'x36' }: { rid: string; size?: Size }) {
	return <Avatar url={`/avatar/room/${encodeURIComponent(rid)}`} size={size} alt="" aria-hidden />;
}
