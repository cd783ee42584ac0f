import { Throbber } from '@rocket.chat/fuselage';
import { useEffect, useState } from 'react';

import { connection } from '../lib/session';
import { useStore } from '../lib/store';

/** Splash: shown while the app connects; says so when the server does not answer. */
export function Splash() {
	const link = useStore(connection.link, (l) => l);
	const [slow, setSlow] = useState(false);
	useEffect(() => {
		const t = setTimeout(() => setSlow(true), 3000);
		return () => clearTimeout(t);
	}, []);
	return (
		<div className="lo-splash" role="status" aria-live="polite">
			<Throbber size="x16" />
			<span className={slow || link === 'offline' ? 'lo-splash-text' : 'lo-visually-hidden'}>
				{link === 'offline' || (slow && link !== 'online') ? 'Cannot reach the server. Retrying…' : 'Loading Liftoff…'}
			</span>
		</div>
	);
}
