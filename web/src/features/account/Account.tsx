import { Button, Callout, EmailInput, Field, FieldHint, FieldLabel, FieldRow, PasswordInput, Select, TextInput, ToggleSwitch } from '@rocket.chat/fuselage';
import { useState, type FormEvent } from 'react';

import { errorMessage } from '../../lib/api';
import { Link } from '../../lib/router';
import { connection, refreshMe, useMe, useSetting } from '../../lib/session';
import { sha256Hex } from '../../lib/sha256';
import { useStore } from '../../lib/store';
import { UserAvatar } from '../../ui/Avatar';
import { AvatarEditor } from './AvatarEditor';
import { SecurityPage } from './Security';
import { WebPushToggle } from '../webpush/WebPushToggle';
import { setTheme, themeChoice, type ThemeChoice } from '../../ui/theme';
import { toast } from '../../ui/toast';
import { MobileMenuButton } from '../room/RoomHeader';
import { setSidebarPrefs, sidebarPrefs } from '../sidebar/prefs';
import { askNotificationPermission, notificationsSupported } from '../shell/notifications';

export function AccountPage({ tab }: { tab: 'profile' | 'preferences' | 'security' }) {
	return (
		<div className="lo-page">
			<header className="lo-page-header">
				<MobileMenuButton />
				<h1 className="lo-page-title">Account</h1>
				<nav className="lo-tabs" aria-label="Account sections">
					<Link to="/account/profile" aria-current={tab === 'profile' ? 'page' : undefined}>
						Profile
					</Link>
					<Link to="/account/preferences" aria-current={tab === 'preferences' ? 'page' : undefined}>
						Preferences
					</Link>
					<Link to="/account/security" aria-current={tab === 'security' ? 'page' : undefined}>
						Security
					</Link>
				</nav>
			</header>
			<div className="lo-page-body lo-form-page">{tab === 'profile' ? <Profile /> : tab === 'security' ? <SecurityPage /> : <Preferences />}</div>
		</div>
	);
}

function Profile() {
	const me = useMe();
	const allowName = useSetting('Accounts_AllowRealNameChange', true);
	const allowUsername = useSetting('Accounts_AllowUsernameChange', true);
	const allowEmail = useSetting('Accounts_AllowEmailChange', true);
	const allowPassword = useSetting('Accounts_AllowPasswordChange', true);
	const [form, setForm] = useState({ name: me.name ?? '', username: me.username, email: me.emails?.[0]?.address ?? '', newPassword: '', confirm: '', currentPassword: '' });
	const [error, setError] = useState<string>();
	const [busy, setBusy] = useState(false);
	const set = (k: keyof typeof form) => (e: { target: unknown }) => setForm((f) => ({ ...f, [k]: (e.target as HTMLInputElement).value }));
	const sensitive = form.email !== (me.emails?.[0]?.address ?? '') || form.newPassword !== '';

	async function submit(e: FormEvent) {
		e.preventDefault();
		setError(undefined);
		if (form.newPassword && form.newPassword !== form.confirm) {
			setError('The new passwords differ.');
			return;
		}
		setBusy(true);
		try {
			const data: Record<string, string> = {};
			if (form.name !== (me.name ?? '')) data.name = form.name;
			if (form.username !== me.username) data.username = form.username;
			if (form.email !== (me.emails?.[0]?.address ?? '')) data.email = form.email;
			if (form.newPassword) data.newPassword = form.newPassword;
			if (sensitive) data.currentPassword = await sha256Hex(form.currentPassword);
			if (Object.keys(data).length === 0) {
				toast('Nothing to save');
				return;
			}
			await connection.rest.post('/v1/users.updateOwnBasicInfo', { data } as never);
			await refreshMe();
			setForm((f) => ({ ...f, newPassword: '', confirm: '', currentPassword: '' }));
			toast('Profile saved', 'success');
		} catch (err) {
			setError(errorMessage(err));
		} finally {
			setBusy(false);
		}
	}

	return (
		<form onSubmit={submit} className="lo-form" aria-label="Profile">
			<div className="lo-profile-head">
				<UserAvatar username={me.username} size="x124" etag={me.avatarETag} />
				<AvatarEditor />
			</div>
			<Field marginBlockEnd="x16">
				<FieldLabel htmlFor="p-name">Name</FieldLabel>
				<FieldRow>
					<TextInput id="p-name" disabled={!allowName} value={form.name} onChange={set('name')} />
				</FieldRow>
			</Field>
			<Field marginBlockEnd="x16">
				<FieldLabel htmlFor="p-username">Username</FieldLabel>
				<FieldRow>
					<TextInput id="p-username" disabled={!allowUsername} value={form.username} onChange={set('username')} />
				</FieldRow>
			</Field>
			<Field marginBlockEnd="x16">
				<FieldLabel htmlFor="p-email">E-mail</FieldLabel>
				<FieldRow>
					<EmailInput id="p-email" disabled={!allowEmail} value={form.email} onChange={set('email')} />
				</FieldRow>
			</Field>
			{allowPassword && (
				<>
					<Field marginBlockEnd="x16">
						<FieldLabel htmlFor="p-new">New password</FieldLabel>
						<FieldRow>
							<PasswordInput id="p-new" autoComplete="new-password" value={form.newPassword} onChange={set('newPassword')} />
						</FieldRow>
					</Field>
					<Field marginBlockEnd="x16">
						<FieldLabel htmlFor="p-confirm">Confirm new password</FieldLabel>
						<FieldRow>
							<PasswordInput id="p-confirm" autoComplete="new-password" value={form.confirm} onChange={set('confirm')} />
						</FieldRow>
					</Field>
				</>
			)}
			{sensitive && (
				<Field marginBlockEnd="x16">
					<FieldLabel htmlFor="p-current">Current password</FieldLabel>
					<FieldRow>
						<PasswordInput id="p-current" autoComplete="current-password" value={form.currentPassword} onChange={set('currentPassword')} />
					</FieldRow>
					<FieldHint>Needed to change your e-mail address or password.</FieldHint>
				</Field>
			)}
			{error && (
				<Callout type="danger" role="alert" marginBlockEnd="x16">
					{error}
				</Callout>
			)}
			<Button type="submit" primary loading={busy}>
				Save changes
			</Button>
		</form>
	);
}

function Preferences() {
	const me = useMe();
	const theme = useStore(themeChoice, (t) => t);
	const prefs = useStore(sidebarPrefs, (p) => p);
	const server = me.settings?.preferences ?? {};
	const [desktop, setDesktop] = useState(String(server.desktopNotifications ?? 'default'));
	const [perm, setPerm] = useState(notificationsSupported() ? Notification.permission : 'denied');
	const [saving, setSaving] = useState(false);

	async function saveServer(data: Record<string, unknown>) {
		setSaving(true);
		try {
			await connection.rest.post('/v1/users.setPreferences', { data } as never);
			await refreshMe();
			toast('Preferences saved', 'success');
		} catch (err) {
			toast(`Saved in this browser only: ${errorMessage(err)}`, 'error');
		} finally {
			setSaving(false);
		}
	}

	return (
		<div className="lo-form">
			<h2 className="lo-section-title">Appearance</h2>
			<Field marginBlockEnd="x16">
				<FieldLabel>Theme</FieldLabel>
				<FieldRow>
					<Select
						aria-label="Theme"
						value={theme}
						onChange={(v) => {
							setTheme(v as ThemeChoice);
							void saveServer({ themeAppearence: v === 'system' ? 'auto' : v });
						}}
						options={[
							['light', 'Light'],
							['dark', 'Dark'],
							['system', 'Match system'],
						]}
					/>
				</FieldRow>
			</Field>
			<h2 className="lo-section-title">Sidebar</h2>
			<Field marginBlockEnd="x16">
				<FieldLabel>Sort rooms</FieldLabel>
				<FieldRow>
					<Select
						aria-label="Sort rooms"
						value={prefs.sortBy}
						onChange={(v) => {
							setSidebarPrefs({ sortBy: v as 'activity' | 'alphabetical' });
							void saveServer({ sidebarSortby: v });
						}}
						options={[
							['activity', 'By activity'],
							['alphabetical', 'By name'],
						]}
					/>
				</FieldRow>
			</Field>
			{(
				[
					['showUnread', 'Unread rooms on top', 'sidebarShowUnread'],
					['showFavorites', 'Group favorites', 'sidebarShowFavorites'],
					['groupByType', 'Group by type', 'sidebarGroupByType'],
				] as const
			).map(([k, label, serverKey]) => (
				<Field key={k} marginBlockEnd="x16">
					<FieldRow>
						<FieldLabel htmlFor={`pref-${k}`}>{label}</FieldLabel>
						<ToggleSwitch
							id={`pref-${k}`}
							checked={prefs[k]}
							onChange={() => {
								setSidebarPrefs({ [k]: !prefs[k] });
								void saveServer({ [serverKey]: !prefs[k] });
							}}
						/>
					</FieldRow>
				</Field>
			))}
			<h2 className="lo-section-title">Notifications</h2>
			<Field marginBlockEnd="x16">
				<FieldLabel>Desktop notifications</FieldLabel>
				<FieldRow>
					<Select
						aria-label="Desktop notifications"
						value={desktop}
						onChange={(v) => {
							setDesktop(String(v));
							void saveServer({ desktopNotifications: v });
						}}
						options={[
							['default', 'Server default'],
							['all', 'All messages'],
							['mentions', 'Mentions and direct messages'],
							['nothing', 'Nothing'],
						]}
					/>
				</FieldRow>
				<FieldHint>
					This browser:{' '}
					{perm === 'granted' ? 'notifications allowed' : perm === 'denied' ? 'notifications blocked (change it in the browser’s site settings)' : 'not asked yet'}
				</FieldHint>
			</Field>
			{perm === 'default' && (
				<Button onClick={() => void askNotificationPermission().then((p) => setPerm(p === 'unsupported' ? 'denied' : p))}>Allow desktop notifications</Button>
			)}
			<WebPushToggle />
			{saving && <p className="lo-muted">Saving…</p>}
		</div>
	);
}
