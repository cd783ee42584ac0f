import { StatusBullet } from '@rocket.chat/fuselage';

import { usePresence } from '../chat/presence';

export type Status = 'online' | 'away' | 'busy' | 'offline' | 'loading' | 'disabled';

export function statusLabel(s: string | undefined): string {
	switch (s) {
		case 'online':
			return 'Online';
		case 'away':
			return 'Away';
		case 'busy':
			return 'Busy';
		case 'offline':
			return 'Offline';
		default:
			return 'Status unknown';
	}
}

/** PresenceBullet shows a user's live status (online, away, busy, offline). */
export function PresenceBullet({ uid, username, size }: { uid?: string; username?: string; size?: 'small' | 'large' }) {
	const status = usePresence(uid, username);
	return (
		<span role="img" aria-label={statusLabel(status)} title={statusLabel(status)} className="lo-presence">
			<StatusBullet status={(status ?? 'offline') as Status} size={size} />
		</span>
	);
}
