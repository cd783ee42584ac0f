import { Throbber } from '@rocket.chat/fuselage';

export function Splash() {
	return (
		<div className="lo-splash" role="status" aria-live="polite">
			<Throbber size="x16" />
			<span className="lo-visually-hidden">Loading Liftoff…</span>
		</div>
	);
}
