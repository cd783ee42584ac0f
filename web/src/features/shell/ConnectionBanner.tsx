import { Icon } from '@rocket.chat/fuselage';

import { connection } from '../../lib/session';
import { useStore } from '../../lib/store';

/** ConnectionBanner says when the realtime connection is lost and being restored. */
export function ConnectionBanner() {
	const link = useStore(connection.link, (l) => l);
	if (link === 'online' || link === 'connecting') return null;
	return (
		<div className="lo-banner lo-banner--warning" role="status" aria-live="assertive" data-testid="connection-banner">
			<Icon name="warning" size="x16" />
			{link === 'reconnecting' ? ' Connection lost. Reconnecting…' : ' Offline: waiting for the server…'}
			<button type="button" className="lo-banner-action" onClick={() => void connection.sdk.connection.reconnect()}>
				Retry now
			</button>
		</div>
	);
}
