import { Field, FieldHint, FieldLabel, FieldRow, ToggleSwitch } from '@rocket.chat/fuselage';
import { useState } from 'react';

import { errorMessage } from '../../lib/api';
import { disableWebPush, enableWebPush, webPushSupported, webPushWanted } from './webpush';

/** WebPushToggle: the preference "push notifications in this browser". */
export function WebPushToggle() {
	const [on, setOn] = useState(webPushWanted());
	const [busy, setBusy] = useState(false);
	const [error, setError] = useState<string>();
	if (!webPushSupported()) return null;
	async function toggle(next: boolean) {
		setBusy(true);
		setError(undefined);
		try {
			if (next) await enableWebPush();
			else await disableWebPush();
			setOn(next);
		} catch (err) {
			setError(errorMessage(err));
		} finally {
			setBusy(false);
		}
	}
	return (
		<Field marginBlockEnd="x16">
			<FieldRow>
				<FieldLabel htmlFor="webpush-toggle">Push notifications in this browser</FieldLabel>
				<ToggleSwitch id="webpush-toggle" checked={on} disabled={busy} onChange={(e) => void toggle((e.target as HTMLInputElement).checked)} />
			</FieldRow>
			<FieldHint>Mentions and direct messages reach you even when no Liftoff tab is open.</FieldHint>
			{error && (
				<p className="lo-error" role="alert">
					{error}
				</p>
			)}
		</Field>
	);
}
