import { ApiError, errorMessage } from './api';
import { Connection } from './connection';
import { sha256Hex } from './sha256';
import { createStore, useStore } from './store';

// The signed-in user's session: resume from the stored token, password login,
// registration, logout, and what the UI needs to know about the user (the
// profile from /v1/me, public settings, permissions).

export type UserStatus = 'online' | 'away' | 'busy' | 'offline';

export type Me = {
	_id: string;
	username: string;
	name?: string;
	emails?: { address: string; verified: boolean }[];
	status?: UserStatus;
	statusText?: string;
	statusDefault?: UserStatus;
	roles?: string[];
	avatarETag?: string;
	services?: { totp?: { enabled?: boolean }; email2fa?: { enabled?: boolean } };
	settings?: { preferences?: Record<string, unknown> };
};

export type SessionState =
	| { phase: 'booting' }
	| { phase: 'anonymous'; notice?: string }
	| { phase: 'ready'; me: Me };

// Rocket.Chat's web client keeps the resume token under Meteor's keys; using
// the same names lets a person move between the two clients on one origin.
const TOKEN_KEY = 'Meteor.loginToken';
const UID_KEY = 'Meteor.userId';

export const connection = new Connection(typeof location === 'undefined' ? 'http://localhost' : location.origin);
export const session = createStore<SessionState>({ phase: 'booting' });
export const publicSettings = createStore<Record<string, unknown>>({});
/** permissions maps a permission id to the roles that hold it. */
export const permissions = createStore<Map<string, string[]>>(new Map());

export function useSession(): SessionState {
	return useStore(session, (s) => s);
}

export function useMe(): Me {
	const s = useStore(session, (x) => x);
	if (s.phase !== 'ready') throw new Error('useMe outside a signed-in view');
	return s.me;
}

export function useSetting<T = unknown>(id: string, fallback: T): T {
	return useStore(publicSettings, (s) => (id in s ? (s[id] as T) : fallback));
}

export function currentUser(): Me | undefined {
	const s = session.get();
	return s.phase === 'ready' ? s.me : undefined;
}

/** hasPermission checks the user's global roles, plus room roles when given. */
export function hasPermission(permission: string, roomRoles: string[] = []): boolean {
	const me = currentUser();
	if (!me) return false;
	const roles = permissions.get().get(permission);
	if (!roles) return false;
	return [...(me.roles ?? []), ...roomRoles].some((r) => roles.includes(r));
}

export function usePermission(permission: string, roomRoles: string[] = []): boolean {
	useStore(permissions, (p) => p);
	useStore(session, (s) => s);
	return hasPermission(permission, roomRoles);
}

type SettingRow = { _id: string; value: unknown };
type PermissionRow = { _id: string; roles: string[] };

let stopSessionStreams: (() => void)[] = [];

export async function boot(): Promise<void> {
	await connection.connect();
	await loadPublicSettings();
	connection.stream('notify-all', 'public-settings-changed', (_action, setting) => {
		const s = setting as SettingRow | undefined;
		if (s?._id) publicSettings.set((prev) => ({ ...prev, [s._id]: s.value }));
	});
	connection.onResumed(() => {
		void loadPublicSettings();
		if (session.get().phase === 'ready') void refreshMe();
	});
	const token = localStorage.getItem(TOKEN_KEY);
	if (!token) {
		session.set({ phase: 'anonymous' });
		return;
	}
	try {
		await resume(token);
	} catch (err) {
		forgetToken();
		const notice = err instanceof ApiError && err.status === 0 ? 'Your session has ended. Please sign in again.' : errorMessage(err);
		session.set({ phase: 'anonymous', notice });
	}
}

async function loadPublicSettings() {
	try {
		const rows = await connection.call<SettingRow[]>('public-settings/get');
		const out: Record<string, unknown> = {};
		for (const r of rows ?? []) out[r._id] = r.value;
		publicSettings.set(out);
	} catch (err) {
		console.warn('public settings', err);
	}
}

async function resume(token: string) {
	const result = await connection.sdk.account.loginWithToken(token).catch((err: unknown) => {
		throw err instanceof Error ? err : new ApiError(typeof err === 'object' && err && 'reason' in err ? String((err as { reason: unknown }).reason) : 'Login failed');
	});
	await started(result.id, result.token);
}

async function started(uid: string, token: string) {
	connection.setCredentials({ uid, token });
	localStorage.setItem(TOKEN_KEY, token);
	localStorage.setItem(UID_KEY, uid);
	// Avatars and file downloads authenticate with these cookies, as in Rocket.Chat.
	document.cookie = `rc_uid=${encodeURIComponent(uid)}; path=/; SameSite=Lax`;
	document.cookie = `rc_token=${encodeURIComponent(token)}; path=/; SameSite=Lax`;
	const me = await fetchMe();
	await loadPermissions();
	session.set({ phase: 'ready', me });
	startSessionStreams(uid);
}

async function fetchMe(): Promise<Me> {
	const me = (await connection.rest.get('/v1/me')) as unknown as Me;
	return me;
}

export async function refreshMe(): Promise<void> {
	try {
		const me = await fetchMe();
		if (session.get().phase === 'ready') session.set({ phase: 'ready', me });
	} catch (err) {
		if (err instanceof ApiError && err.status === 401) {
			forgetToken();
			session.set({ phase: 'anonymous', notice: 'Your session has ended. Please sign in again.' });
		}
	}
}

async function loadPermissions() {
	try {
		const rows = await connection.call<PermissionRow[]>('permissions/get');
		permissions.set(new Map((rows ?? []).map((r) => [r._id, r.roles])));
	} catch (err) {
		console.warn('permissions', err);
	}
}

function startSessionStreams(uid: string) {
	for (const stop of stopSessionStreams) stop();
	stopSessionStreams = [
		connection.stream('notify-logged', 'permissions-changed', (_action, perm) => {
			const p = perm as PermissionRow | undefined;
			if (!p?._id) return;
			permissions.set((prev) => new Map(prev).set(p._id, p.roles ?? []));
		}),
		connection.stream('notify-logged', 'user-status', (...args) => {
			const row = (Array.isArray(args[0]) ? args[0] : args) as unknown[];
			const [id, , statusNumber, statusText] = row;
			if (id !== uid) return;
			const status = (['offline', 'online', 'away', 'busy'] as const)[Number(statusNumber)] ?? 'offline';
			patchMe({ status, statusText: typeof statusText === 'string' ? statusText : undefined });
		}),
		connection.stream('notify-logged', 'roles-change', () => void refreshMe()),
	];
}

export function patchMe(patch: Partial<Me>) {
	const s = session.get();
	if (s.phase === 'ready') session.set({ phase: 'ready', me: { ...s.me, ...patch } });
}

function forgetToken() {
	localStorage.removeItem(TOKEN_KEY);
	localStorage.removeItem(UID_KEY);
	connection.setCredentials(undefined);
	document.cookie = 'rc_uid=; path=/; max-age=0';
	document.cookie = 'rc_token=; path=/; max-age=0';
}

/** A DDP login request: password, ldap, oauth, saml, or {totp: {login, code}} around one of those. */
export type LoginRequest = Record<string, unknown>;

/** passwordLoginRequest builds the request for a username or e-mail address and a password (LDAP's when LDAP_Enable is on, as Rocket.Chat's client does). */
export async function passwordLoginRequest(user: string, password: string): Promise<LoginRequest> {
	if (publicSettings.get().LDAP_Enable === true) return { ldap: true, username: user.trim(), ldapPass: password, ldapOptions: {} };
	const digest = await sha256Hex(password);
	const who = user.includes('@') ? { email: user.trim() } : { username: user.trim() };
	return { user: who, password: { digest, algorithm: 'sha-256' } };
}

/** loginWith signs in with any login request; a refusal is an ApiError (errorType totp-required etc., with the server's details). */
export async function loginWith(request: LoginRequest): Promise<void> {
	type LoginResult = { id: string; token: string };
	let result: LoginResult;
	try {
		result = (await connection.sdk.client.callAsyncWithOptions('login', { wait: true }, request)) as LoginResult;
	} catch (err) {
		throw fromLoginError(err);
	}
	// Hand the token to DDPSDK, so that it logs in again by itself after a reconnection.
	await connection.sdk.account.loginWithToken(result.token);
	await started(result.id, result.token);
}

/** login signs in with a username or e-mail address and a password. */
export async function login(user: string, password: string): Promise<void> {
	await loginWith(await passwordLoginRequest(user, password));
}

function fromLoginError(err: unknown): ApiError {
	if (err && typeof err === 'object') {
		const e = err as { error?: unknown; reason?: unknown; details?: unknown };
		if (typeof e.error === 'string' && e.error.startsWith('totp-')) {
			return new ApiError(typeof e.reason === 'string' ? e.reason : e.error, 0, e.error, e.details);
		}
		if (e.error === 403 || e.reason === 'User not found' || e.reason === 'Incorrect password') {
			return new ApiError('Incorrect username, e-mail or password.', 403, 'error-invalid-credentials');
		}
		if (typeof e.reason === 'string') return new ApiError(e.reason, 0, typeof e.error === 'string' ? e.error : undefined, e.details);
	}
	return new ApiError(errorMessage(err));
}

export type Registration = { name: string; username: string; email: string; pass: string; secretURL?: string };

export async function register(form: Registration): Promise<void> {
	await connection.rest.post('/v1/users.register', form);
	await login(form.username, form.pass);
}

const beforeLogoutHooks: (() => Promise<void>)[] = [];

/** beforeLogout runs fn (bounded to 3 s) while the session is still signed in, at log out. */
export function beforeLogout(fn: () => Promise<void>) {
	beforeLogoutHooks.push(fn);
}

const logoutHooks = new Set<() => void>();

/** onLogout runs fn when the user logs out, before the page is left (features forget what they kept in this browser). */
export function onLogout(fn: () => void): () => void {
	logoutHooks.add(fn);
	return () => logoutHooks.delete(fn);
}

export async function logout(): Promise<void> {
	await Promise.all(beforeLogoutHooks.map((fn) => Promise.race([fn().catch(() => undefined), new Promise((r) => setTimeout(r, 3000))])));
	for (const fn of logoutHooks) {
		try {
			fn();
		} catch (err) {
			console.warn('logout hook', err);
		}
	}
	try {
		await connection.rest.post('/v1/logout');
	} catch {
		// the token may already be gone; sign out locally anyway
	}
	forgetToken();
	// A fresh page drops every stream, cache and store of the old session.
	location.assign('/login');
}
