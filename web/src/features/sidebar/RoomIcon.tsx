import { Icon } from '@rocket.chat/fuselage';

import type { Subscription } from '../../chat/types';
import { PresenceBullet } from '../../ui/Status';

/** RoomIcon: the symbol Rocket.Chat shows before a room's name. */
export function RoomIcon({ sub, size = 'x16' }: { sub: Pick<Subscription, 't' | 'prid' | 'teamMain' | 'rid' | 'name'> & { uids?: string[] }; size?: 'x16' | 'x20' | 'x24' }) {
	if (sub.t === 'd') return <Icon name="at" size={size} aria-hidden className="lo-room-icon" />;
	if (sub.prid) return <Icon name="discussion" size={size} aria-hidden className="lo-room-icon" />;
	if (sub.teamMain) return <Icon name={sub.t === 'p' ? 'team-lock' : 'team'} size={size} aria-hidden className="lo-room-icon" />;
	return <Icon name={sub.t === 'p' ? 'hashtag-lock' : 'hashtag'} size={size} aria-hidden className="lo-room-icon" />;
}

export function DirectPresence({ sub, myId }: { sub: Subscription & { uids?: string[] }; myId: string }) {
	const other = sub.uids?.find((u) => u !== myId);
	return <PresenceBullet uid={other} username={other ? undefined : sub.name} size="small" />;
}
