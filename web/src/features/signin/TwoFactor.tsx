import { Button, Field, FieldError, FieldHint, FieldLabel, FieldRow, TextInput } from '@rocket.chat/fuselage';
import { useState, type FormEvent } from 'react';

import { ApiError, errorMessage } from '../../lib/api';
import { connection, loginWith, type LoginRequest } from '../../lib/session';
import { toast } from '../../ui/toast';

// The second step of a sign-in when the server answers totp-required:
// the code from an authenticator app (or a backup code), or the code the
// server e-mailed. The same login request is sent again inside
// {totp: {login, code}}, as Rocket.Chat's client does, whatever the first
// factor was (password, LDAP, OAuth, SAML).

export type TwoFactorNeed = { request: LoginRequest; method: string; emailOrUsername?: string };

/** needFromError recognises the server's demand for a second factor. */
export function needFromError(err: unknown, request: LoginRequest): TwoFactorNeed | undefined {
	if (!(err instanceof ApiError) || err.errorType !== 'totp-required') return undefined;
	const d = (err.details ?? {}) as { method?: string; emailOrUsername?: string };
	return { request, method: d.method ?? 'totp', emailOrUsername: d.emailOrUsername };
}

export function TwoFactorForm({ need, onCancel }: { need: TwoFactorNeed; onCancel: () => void }) {
	const [code, setCode] = useState('');
	const [error, setError] = useState<string>();
	const [busy, setBusy] = useState(false);
	const email = need.method === 'email';

	async function submit(e: FormEvent) {
		e.preventDefault();
		if (!code.trim()) {
			setError('Enter the code.');
			return;
		}
		setBusy(true);
		setError(undefined);
		try {
			await loginWith({ totp: { login: need.request, code: code.trim() } });
		} catch (err) {
			setBusy(false);
			setError(err instanceof ApiError && err.errorType === 'totp-invalid' ? 'Invalid code. Try again.' : err instanceof ApiError && err.errorType === 'totp-max-attempts' ? 'Too many wrong codes. Wait a while, then try again.' : errorMessage(err));
		}
	}

	async function resend() {
		try {
			await connection.rest.postRaw('/v1/users.2fa.sendEmailCode', { emailOrUsername: need.emailOrUsername });
			toast('A new code is on its way', 'success');
		} catch (err) {
			setError(errorMessage(err));
		}
	}

	return (
		<form onSubmit={submit} noValidate aria-labelledby="twofactor-heading">
			<h2 id="twofactor-heading" className="lo-auth-subtitle">
				Two-factor authentication
			</h2>
			<Field>
				<FieldLabel htmlFor="twofactor-code">{email ? 'Code sent by e-mail' : 'Authentication code'}</FieldLabel>
				<FieldRow>
					<TextInput id="twofactor-code" autoFocus autoComplete="one-time-code" inputMode={email ? 'text' : 'numeric'} value={code} onChange={(e) => setCode((e.target as HTMLInputElement).value)} />
				</FieldRow>
				<FieldHint>{email ? 'Enter the code we sent to your e-mail address.' : 'Open your authenticator app and enter the code it shows, or one of your backup codes.'}</FieldHint>
				{error && <FieldError role="alert">{error}</FieldError>}
			</Field>
			<Button type="submit" primary width="100%" marginBlockStart="x24" loading={busy}>
				Verify
			</Button>
			{email && need.emailOrUsername && (
				<Button width="100%" marginBlockStart="x8" onClick={() => void resend()}>
					Send a new code
				</Button>
			)}
			<Button width="100%" marginBlockStart="x8" onClick={onCancel}>
				Back
			</Button>
		</form>
	);
}
