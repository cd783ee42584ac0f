import { Button, Callout } from '@rocket.chat/fuselage';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';

import { errorMessage } from '../../lib/api';
import { loginWith, type LoginRequest } from '../../lib/session';
import { forgetPendingOAuth, loadLoginServices, pendingOAuth, serviceLabel, startOAuth, startSAML, type LoginService } from './services';
import { needFromError, type TwoFactorNeed } from './TwoFactor';

// The buttons under the password form, one per service the server lists,
// in the service's colours; and the end of a sign-in that came back from a
// provider (on page load).

export function LoginServices({ onTwoFactor }: { onTwoFactor: (n: TwoFactorNeed) => void }) {
	const q = useQuery({ queryKey: ['login-services'], queryFn: loadLoginServices, staleTime: 60_000 });
	const [error, setError] = useState<string>();
	const [busy, setBusy] = useState<string>();
	const finished = useRef(false);

	async function finish(request: LoginRequest) {
		try {
			await loginWith(request);
		} catch (err) {
			const need = needFromError(err, request);
			if (need) onTwoFactor(need);
			else setError(errorMessage(err));
		}
	}

	// Back from the provider: log in with the credential the server's end page left here.
	useEffect(() => {
		if (finished.current) return;
		finished.current = true;
		const request = pendingOAuth();
		forgetPendingOAuth();
		if (request) {
			setBusy('oauth');
			void finish(request).finally(() => setBusy(undefined));
		}
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, []);

	async function start(s: LoginService) {
		setError(undefined);
		if (s.service === 'saml') {
			setBusy(s.service);
			try {
				await finish(await startSAML(s));
			} catch (err) {
				setError(errorMessage(err));
			} finally {
				setBusy(undefined);
			}
			return;
		}
		startOAuth(s);
	}

	const services = q.data ?? [];
	if (services.length === 0 && !error && busy !== 'oauth') return null;
	return (
		<div className="lo-login-services" aria-label="Other ways to sign in" role="group">
			{busy === 'oauth' && <p className="lo-muted">Finishing sign-in…</p>}
			{error && (
				<Callout type="danger" role="alert" marginBlockStart="x8">
					{error}
				</Callout>
			)}
			{services.length > 0 && <div className="lo-login-services-or">or</div>}
			{services.map((s) => (
				<Button
					key={s.service}
					width="100%"
					marginBlockStart="x8"
					loading={busy === s.service}
					style={s.buttonColor ? { backgroundColor: s.buttonColor, borderColor: s.buttonColor, color: s.buttonLabelColor || undefined } : undefined}
					onClick={() => void start(s)}
				>
					Sign in with {serviceLabel(s)}
				</Button>
			))}
		</div>
	);
}
