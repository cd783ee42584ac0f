import { ApiError } from '../../lib/api';
import { connection, loginWith, type LoginRequest } from '../../lib/session';

// Sign-in through another system, as Rocket.Chat's web client does it:
// the services come from settings.oauth (public), an OAuth or OpenID
// Connect sign-in leaves for /_oauth/<service>/authorize on this server with
// Meteor's state (loginStyle "redirect", a fresh credentialToken and the
// page to come back to), the server's end page leaves the credentialSecret
// in sessionStorage and returns here, and the client logs in with
// {oauth: {credentialToken, credentialSecret}}. SAML opens
// /_saml/authorize/<provider>/<credentialToken> in a popup and logs in with
// {saml: true, credentialToken} once the popup closes.

export type LoginService = {
	service: string;
	custom?: boolean;
	clientId?: string;
	serverURL?: string;
	authorizePath?: string;
	scope?: string;
	loginStyle?: string;
	showButton?: boolean;
	buttonLabelText?: string;
	buttonLabelColor?: string;
	buttonColor?: string;
	clientConfig?: { provider?: string };
};

const STORAGE_PREFIX = 'Meteor.oauth.credentialSecret-';
const PENDING_KEY = 'liftoff.oauth.pending';

export async function loadLoginServices(): Promise<LoginService[]> {
	try {
		const a = await connection.rest.getRaw<{ services?: LoginService[] }>('/v1/settings.oauth');
		return (a.services ?? []).filter((s) => s.service && s.showButton !== false);
	} catch (err) {
		if (err instanceof ApiError && err.isMissing) return [];
		throw err;
	}
}

/** credentialToken makes Meteor's random credential token (43 URL-safe characters). */
export function credentialToken(): string {
	const bytes = new Uint8Array(32);
	crypto.getRandomValues(bytes);
	return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** meteorState is the state parameter Meteor's OAuth client sends (base64 of its JSON). */
export function meteorState(token: string, redirectUrl: string): string {
	return btoa(JSON.stringify({ loginStyle: 'redirect', credentialToken: token, isCordova: false, redirectUrl }));
}

/** authorizeUrl is where a sign-in with the service starts. */
export function authorizeUrl(s: LoginService, token: string, origin: string, returnTo: string): string {
	const base = (s.serverURL || origin).replace(/\/$/, '');
	const q = new URLSearchParams({
		client_id: s.clientId ?? '',
		redirect_uri: `${base}/_oauth/${s.service}`,
		response_type: 'code',
		state: meteorState(token, returnTo),
		scope: s.scope ?? '',
	});
	return `${base}${s.authorizePath || `/_oauth/${s.service}/authorize`}?${q}`;
}

export function serviceLabel(s: LoginService): string {
	if (s.buttonLabelText) return s.buttonLabelText;
	if (s.service === 'saml') return 'SAML';
	return s.service.charAt(0).toUpperCase() + s.service.slice(1);
}

/** startOAuth leaves for the provider; the page comes back to /login. */
export function startOAuth(s: LoginService) {
	const token = credentialToken();
	sessionStorage.setItem(PENDING_KEY, JSON.stringify({ service: s.service, credentialToken: token }));
	location.assign(authorizeUrl(s, token, location.origin, `${location.origin}/login`));
}

/** pendingOAuth is the request to finish a sign-in that came back from the provider, if there is one. */
export function pendingOAuth(): LoginRequest | undefined {
	const raw = sessionStorage.getItem(PENDING_KEY);
	if (!raw) return undefined;
	let p: { credentialToken?: string };
	try {
		p = JSON.parse(raw) as typeof p;
	} catch {
		sessionStorage.removeItem(PENDING_KEY);
		return undefined;
	}
	const token = p.credentialToken ?? '';
	const secret = sessionStorage.getItem(STORAGE_PREFIX + token) ?? localStorage.getItem(STORAGE_PREFIX + token);
	if (!token || !secret) {
		// The provider never sent the person back (or refused): nothing to finish.
		const error = localStorage.getItem(`${STORAGE_PREFIX}error`);
		if (!error) return undefined;
	}
	return { oauth: { credentialToken: token, credentialSecret: secret ?? '' } };
}

export function forgetPendingOAuth() {
	const raw = sessionStorage.getItem(PENDING_KEY);
	sessionStorage.removeItem(PENDING_KEY);
	localStorage.removeItem(`${STORAGE_PREFIX}error`);
	try {
		const token = (JSON.parse(raw ?? '{}') as { credentialToken?: string }).credentialToken;
		if (token) {
			sessionStorage.removeItem(STORAGE_PREFIX + token);
			localStorage.removeItem(STORAGE_PREFIX + token);
		}
	} catch {
		// nothing stored
	}
}

/** startSAML opens the identity provider in a popup and resolves with the login request once it closes. */
export function startSAML(s: LoginService): Promise<LoginRequest> {
	const provider = s.clientConfig?.provider ?? 'Default';
	const token = credentialToken();
	const popup = window.open(`/_saml/authorize/${encodeURIComponent(provider)}/${token}`, 'Login', 'width=650,height=600');
	if (!popup) return Promise.reject(new ApiError('The browser blocked the sign-in window: allow pop-ups for this site.'));
	return new Promise((resolve) => {
		const timer = setInterval(() => {
			if (popup.closed) {
				clearInterval(timer);
				resolve({ saml: true, credentialToken: token });
			}
		}, 300);
	});
}

export { loginWith };
