import { Button, Callout, Field, FieldHint, FieldLabel, FieldRow, TextInput } from '@rocket.chat/fuselage';
import { useState, type FormEvent } from 'react';

import { errorMessage } from '../../lib/api';
import { connection, refreshMe, useMe, useSetting } from '../../lib/session';
import { toast } from '../../ui/toast';
import { QrCode } from './QrCode';

// Two-factor authentication in the account (Rocket.Chat's Account >
// Security): turn on TOTP with an authenticator app (2fa:enable gives the
// secret and its otpauth URL, shown as a QR code; the first code,
// 2fa:validateTempToken, turns it on and returns backup codes shown once),
// turn it off or make new backup codes with a current code; e-mail codes on
// or off (users.2fa.enableEmail / disableEmail).

type Enabling = { secret: string; url: string };

export function SecurityPage() {
	const me = useMe();
	const twoFactor = useSetting<unknown>('Accounts_TwoFactorAuthentication_Enabled', true) !== false;
	const byTotp = useSetting<unknown>('Accounts_TwoFactorAuthentication_By_TOTP_Enabled', true) !== false;
	const byEmail = useSetting<unknown>('Accounts_TwoFactorAuthentication_By_Email_Enabled', true) !== false;
	if (!twoFactor) return <Callout type="info">Two-factor authentication is turned off on this server.</Callout>;
	return (
		<div className="lo-form" aria-label="Security">
			{byTotp && <Totp enabled={Boolean(me.services?.totp?.enabled)} />}
			{byEmail && <EmailTwoFactor enabled={Boolean(me.services?.email2fa?.enabled)} />}
		</div>
	);
}

function Totp({ enabled }: { enabled: boolean }) {
	const [enabling, setEnabling] = useState<Enabling>();
	const [code, setCode] = useState('');
	const [codes, setCodes] = useState<string[]>();
	const [error, setError] = useState<string>();
	const [busy, setBusy] = useState(false);

	async function run(fn: () => Promise<void>) {
		setBusy(true);
		setError(undefined);
		try {
			await fn();
		} catch (err) {
			setError(errorMessage(err));
		} finally {
			setBusy(false);
		}
	}

	const start = () =>
		run(async () => {
			setCodes(undefined);
			setEnabling(await connection.call<Enabling>('2fa:enable'));
		});

	const verify = (e: FormEvent) => {
		e.preventDefault();
		void run(async () => {
			const answer = await connection.call<{ codes?: string[] } | false>('2fa:validateTempToken', code.trim());
			if (!answer) throw new Error('Invalid code. Try again.');
			setCodes(answer.codes ?? []);
			setEnabling(undefined);
			setCode('');
			await refreshMe();
			toast('Two-factor authentication is on', 'success');
		});
	};

	const disable = (e: FormEvent) => {
		e.preventDefault();
		void run(async () => {
			const ok = await connection.call<boolean>('2fa:disable', code.trim());
			if (!ok) throw new Error('Invalid code. Try again.');
			setCode('');
			setCodes(undefined);
			await refreshMe();
			toast('Two-factor authentication is off', 'success');
		});
	};

	const regenerate = () =>
		run(async () => {
			const answer = await connection.call<{ codes?: string[] } | false>('2fa:regenerateCodes', code.trim());
			if (!answer) throw new Error('Invalid code. Try again.');
			setCodes(answer.codes ?? []);
			setCode('');
		});

	return (
		<section aria-labelledby="totp-heading">
			<h2 id="totp-heading" className="lo-section-title">
				Authenticator app (TOTP)
			</h2>
			{error && (
				<Callout type="danger" role="alert" marginBlockEnd="x16">
					{error}
				</Callout>
			)}
			{codes && (
				<Callout type="success" title="Backup codes" marginBlockEnd="x16">
					<p>Keep these codes somewhere safe. Each one signs you in once if you lose your phone; they are not shown again.</p>
					<ul className="lo-backup-codes" aria-label="Backup codes">
						{codes.map((c) => (
							<li key={c}>
								<code>{c}</code>
							</li>
						))}
					</ul>
				</Callout>
			)}
			{!enabled && !enabling && (
				<>
					<p>Ask for a code from an authenticator app on your phone each time you sign in.</p>
					<Button primary loading={busy} onClick={() => void start()}>
						Enable two-factor authentication
					</Button>
				</>
			)}
			{!enabled && enabling && (
				<form onSubmit={verify}>
					<p>Scan this QR code with your authenticator app, or type the key into it. Then enter the code the app shows.</p>
					<div className="lo-qr-box">
						<QrCode text={enabling.url} label="QR code for your authenticator app" />
						<div>
							<FieldLabel>Key</FieldLabel>
							<code className="lo-totp-secret" data-testid="totp-secret">
								{enabling.secret}
							</code>
						</div>
					</div>
					<Field marginBlockStart="x16">
						<FieldLabel htmlFor="totp-code">Code</FieldLabel>
						<FieldRow>
							<TextInput id="totp-code" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode((e.target as HTMLInputElement).value)} />
						</FieldRow>
					</Field>
					<Button type="submit" primary marginBlockStart="x16" loading={busy}>
						Verify and enable
					</Button>
				</form>
			)}
			{enabled && (
				<form onSubmit={disable}>
					<p>Two-factor authentication is on: signing in asks for a code from your authenticator app.</p>
					<Field>
						<FieldLabel htmlFor="totp-current">Current code</FieldLabel>
						<FieldRow>
							<TextInput id="totp-current" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode((e.target as HTMLInputElement).value)} />
						</FieldRow>
						<FieldHint>A code from your app (or a backup code) confirms it is you.</FieldHint>
					</Field>
					<div className="lo-button-row">
						<Button type="submit" danger loading={busy}>
							Disable two-factor authentication
						</Button>
						<Button type="button" disabled={busy} onClick={() => void regenerate()}>
							New backup codes
						</Button>
					</div>
				</form>
			)}
		</section>
	);
}

function EmailTwoFactor({ enabled }: { enabled: boolean }) {
	const [busy, setBusy] = useState(false);
	const [error, setError] = useState<string>();
	async function toggle() {
		setBusy(true);
		setError(undefined);
		try {
			await connection.rest.postRaw(enabled ? '/v1/users.2fa.disableEmail' : '/v1/users.2fa.enableEmail', {});
			await refreshMe();
		} catch (err) {
			setError(errorMessage(err));
		} finally {
			setBusy(false);
		}
	}
	return (
		<section aria-labelledby="email2fa-heading">
			<h2 id="email2fa-heading" className="lo-section-title">
				Codes by e-mail
			</h2>
			<p>{enabled ? 'When no authenticator app is set up, signing in asks for a code sent to your e-mail address.' : 'Codes by e-mail are off.'}</p>
			{error && (
				<Callout type="danger" role="alert" marginBlockEnd="x16">
					{error}
				</Callout>
			)}
			<Button loading={busy} onClick={() => void toggle()}>
				{enabled ? 'Turn off codes by e-mail' : 'Turn on codes by e-mail'}
			</Button>
		</section>
	);
}
