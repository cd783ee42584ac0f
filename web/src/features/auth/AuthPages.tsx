import { Box, Button, Callout, EmailInput, Field, FieldError, FieldGroup, FieldLabel, FieldRow, PasswordInput, TextInput, Throbber } from '@rocket.chat/fuselage';
import { useEffect, useState, type FormEvent } from 'react';

import { errorMessage } from '../../lib/api';
import { Link, type Route } from '../../lib/router';
import { loginWith, passwordLoginRequest, publicSettings, register, useSetting } from '../../lib/session';
import { useStore } from '../../lib/store';
import { loginProviders } from '../../plugins';
import { toastError } from '../../ui/toast';
import { validateInvite } from '../invite/invite';
import { LoginServices } from '../signin/LoginServices';
import { needFromError, TwoFactorForm, type TwoFactorNeed } from '../signin/TwoFactor';

// Sign in, create an account, and the first visitor's guidance to create the
// administrator. Laid out as Rocket.Chat's login page: one card, the
// workspace's name above it.

export function AuthPages({ route, notice }: { route: Route; notice?: string }) {
	const siteName = useSetting('Site_Name', 'Liftoff');
	const wizard = useSetting<string>('Show_Setup_Wizard', 'completed');
	const firstRun = wizard === 'pending' || wizard === 'in_progress';
	const page = route.name === 'register' || firstRun ? 'register' : 'login';
	if (route.name === 'invite' && !firstRun) {
		return (
			<main className="lo-auth">
				<div className="lo-auth-card">
					<h1 className="lo-auth-title">{siteName}</h1>
					<InviteAuth token={route.token} />
				</div>
			</main>
		);
	}
	return (
		<main className="lo-auth">
			<div className="lo-auth-card">
				<h1 className="lo-auth-title">{siteName}</h1>
				{notice && (
					<Callout type="warning" marginBlockEnd="x16">
						{notice}
					</Callout>
				)}
				{page === 'login' ? <LoginForm /> : <RegisterForm firstRun={firstRun} secret={route.name === 'register' ? route.secret : undefined} />}
			</div>
		</main>
	);
}

// InviteAuth is /invite/<token> for a visitor who is signed out, as in
// Rocket.Chat: an unusable token says so; a usable one offers the
// registration form (the token standing for the registration secret) or
// signing in, after which the app comes back to the invitation.
function InviteAuth({ token }: { token: string }) {
	const [state, setState] = useState<'checking' | 'valid' | 'invalid'>('checking');
	const [mode, setMode] = useState<'register' | 'login'>('register');
	const registration = useSetting<string>('Accounts_RegistrationForm', 'Public');
	useEffect(() => {
		let live = true;
		validateInvite(token)
			.then((ok) => live && setState(ok ? 'valid' : 'invalid'))
			.catch(() => live && setState('invalid'));
		return () => {
			live = false;
		};
	}, [token]);
	if (state === 'checking') return <Throbber aria-label="Checking the invitation" />;
	if (state === 'invalid') {
		return (
			<Box>
				<Callout type="danger" role="alert" title="Invalid or expired invite">
					This invitation link is not valid any more. Ask for a new one.
				</Callout>
				<p className="lo-auth-switch">
					<Link to="/login">Sign in</Link>
				</p>
			</Box>
		);
	}
	if (mode === 'login' || registration === 'Disabled') {
		return (
			<>
				<Callout type="info" marginBlockEnd="x16">
					You were invited to a room. Sign in to join it.
				</Callout>
				<LoginForm />
				{registration !== 'Disabled' && (
					<p className="lo-auth-switch">
						<Button small onClick={() => setMode('register')}>
							Create an account instead
						</Button>
					</p>
				)}
			</>
		);
	}
	return (
		<>
			<Callout type="info" marginBlockEnd="x16">
				You were invited to a room. Create an account to join it.
			</Callout>
			<RegisterForm firstRun={false} secret={token} />
			<p className="lo-auth-switch">
				<Button small onClick={() => setMode('login')}>
					I have an account: sign in
				</Button>
			</p>
		</>
	);
}

function LoginForm() {
	const [user, setUser] = useState('');
	const [password, setPassword] = useState('');
	const [error, setError] = useState<string>();
	const [busy, setBusy] = useState(false);
	const registration = useSetting<string>('Accounts_RegistrationForm', 'Public');
	const placeholder = useSetting('Accounts_EmailOrUsernamePlaceholder', '');
	const settings = useStore(publicSettings, (x) => x);
	const [need, setNeed] = useState<TwoFactorNeed>();
	const ldap = settings.LDAP_Enable === true;

	async function submit(e: FormEvent) {
		e.preventDefault();
		if (!user || !password) {
			setError('Enter your username or e-mail address and your password.');
			return;
		}
		setBusy(true);
		setError(undefined);
		const request = await passwordLoginRequest(user, password);
		try {
			await loginWith(request);
		} catch (err) {
			const n = needFromError(err, request);
			if (n) setNeed(n);
			else setError(errorMessage(err));
			setBusy(false);
		}
	}

	if (need) {
		return (
			<TwoFactorForm
				need={need}
				onCancel={() => {
					setNeed(undefined);
					setPassword('');
				}}
			/>
		);
	}

	return (
		<form onSubmit={submit} noValidate aria-labelledby="login-heading">
			<h2 id="login-heading" className="lo-auth-subtitle">
				Sign in
			</h2>
			<FieldGroup>
				<Field>
					<FieldLabel htmlFor="login-user">{ldap ? 'Username' : 'Username or e-mail'}</FieldLabel>
					<FieldRow>
						<TextInput id="login-user" name="username" autoComplete="username" autoFocus placeholder={placeholder || 'alice or alice@example.org'} value={user} onChange={(e) => setUser((e.target as HTMLInputElement).value)} />
					</FieldRow>
				</Field>
				<Field>
					<FieldLabel htmlFor="login-password">Password</FieldLabel>
					<FieldRow>
						<PasswordInput id="login-password" name="password" autoComplete="current-password" value={password} onChange={(e) => setPassword((e.target as HTMLInputElement).value)} />
					</FieldRow>
					{error && <FieldError role="alert">{error}</FieldError>}
				</Field>
			</FieldGroup>
			<Button type="submit" primary width="100%" marginBlockStart="x24" loading={busy}>
				Sign in
			</Button>
			{loginProviders
				.all()
				.filter((p) => p.visible?.(settings) ?? true)
				.map((p) => (
					<Button key={p.id} width="100%" marginBlockStart="x8" onClick={() => p.start().catch(toastError)}>
						{p.label}
					</Button>
				))}
			<LoginServices onTwoFactor={setNeed} />
			{registration === 'Public' && (
				<p className="lo-auth-switch">
					New here? <Link to="/register">Create an account</Link>
				</p>
			)}
			<details className="lo-auth-help">
				<summary>First time starting this server?</summary>
				<p>
					If Liftoff was started with <code>ADMIN_USERNAME</code> and <code>ADMIN_PASS</code>, sign in with those. Otherwise the first account created here becomes the
					administrator: <Link to="/register">create it now</Link>.
				</p>
			</details>
		</form>
	);
}

function RegisterForm({ firstRun, secret }: { firstRun: boolean; secret?: string }) {
	const [form, setForm] = useState({ name: '', username: '', email: '', pass: '', confirm: '' });
	const [errors, setErrors] = useState<Partial<Record<keyof typeof form | 'form', string>>>({});
	const [busy, setBusy] = useState(false);
	const registration = useSetting<string>('Accounts_RegistrationForm', 'Public');
	const requireName = useSetting('Accounts_RequireNameForSignUp', true);
	const requireConfirm = useSetting('Accounts_RequirePasswordConfirmation', true);
	const set = (k: keyof typeof form) => (e: { target: unknown }) => setForm((f) => ({ ...f, [k]: (e.target as HTMLInputElement).value }));

	if (!firstRun && registration === 'Disabled') {
		return (
			<Box>
				<Callout type="info">Registration is turned off on this server. Ask an administrator for an account.</Callout>
				<p className="lo-auth-switch">
					<Link to="/login">Back to sign in</Link>
				</p>
			</Box>
		);
	}

	async function submit(e: FormEvent) {
		e.preventDefault();
		const errs: typeof errors = {};
		if (requireName && !form.name.trim()) errs.name = 'Enter your name.';
		if (!/^[\w.-]+$/.test(form.username)) errs.username = 'Use letters, digits, dots, dashes and underscores.';
		if (!/^[^\s@]+@[^\s@]+$/.test(form.email)) errs.email = 'Enter a valid e-mail address.';
		if (form.pass.length < 1) errs.pass = 'Choose a password.';
		if (requireConfirm && form.pass !== form.confirm) errs.confirm = 'The passwords differ.';
		setErrors(errs);
		if (Object.keys(errs).length) return;
		setBusy(true);
		try {
			await register({ name: form.name.trim() || form.username, username: form.username, email: form.email, pass: form.pass, secretURL: secret });
		} catch (err) {
			setErrors({ form: errorMessage(err) });
			setBusy(false);
		}
	}

	const field = (k: keyof typeof form, label: string, input: React.ReactNode) => (
		<Field>
			<FieldLabel htmlFor={`reg-${k}`}>{label}</FieldLabel>
			<FieldRow>{input}</FieldRow>
			{errors[k] && <FieldError>{errors[k]}</FieldError>}
		</Field>
	);

	return (
		<form onSubmit={submit} noValidate aria-labelledby="register-heading">
			<h2 id="register-heading" className="lo-auth-subtitle">
				{firstRun ? 'Create the administrator' : 'Create an account'}
			</h2>
			{firstRun && (
				<Callout type="info" marginBlockEnd="x16">
					This server has no administrator yet. The account you create now will administer the workspace.
				</Callout>
			)}
			<FieldGroup>
				{field('name', 'Name', <TextInput id="reg-name" autoComplete="name" value={form.name} onChange={set('name')} autoFocus />)}
				{field('username', 'Username', <TextInput id="reg-username" autoComplete="username" value={form.username} onChange={set('username')} />)}
				{field('email', 'E-mail', <EmailInput id="reg-email" autoComplete="email" value={form.email} onChange={set('email')} />)}
				{field('pass', 'Password', <PasswordInput id="reg-pass" autoComplete="new-password" value={form.pass} onChange={set('pass')} />)}
				{requireConfirm && field('confirm', 'Confirm password', <PasswordInput id="reg-confirm" autoComplete="new-password" value={form.confirm} onChange={set('confirm')} />)}
			</FieldGroup>
			{errors.form && (
				<Callout type="danger" marginBlockStart="x16" role="alert">
					{errors.form}
				</Callout>
			)}
			<Button type="submit" primary width="100%" marginBlockStart="x24" loading={busy}>
				{firstRun ? 'Create administrator' : 'Create account'}
			</Button>
			{!firstRun && (
				<p className="lo-auth-switch">
					Have an account? <Link to="/login">Sign in</Link>
				</p>
			)}
		</form>
	);
}
