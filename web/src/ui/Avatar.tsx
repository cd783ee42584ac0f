import { Avatar } from '@rocket.chat/fuselage';

type Size = 'x16' | 'x18' | 'x20' | 'x24' | 'x28' | 'x32' | 'x36' | 'x40' | 'x48' | 'x124' | 'x200';

/** UserAvatar shows /avatar/USERNAME (the server's avatar, generated initials by default). */
export function UserAvatar({ username, size = 'x36', etag }: { username: string; size?: Size; etag?: string }) {
	const url = `/avatar/${encodeURIComponent(username)}${etag ? `?etag=${encodeURIComponent(etag)}` : ''}`;
	return <Avatar url={url} size={size} alt="" aria-hidden />;
}

export function RoomAvatar({ rid, size = 'x36' }: { rid: string; size?: Size }) {
	return <Avatar url={`/avatar/room/${encodeURIComponent(rid)}`} size={size} alt="" aria-hidden />;
}
