// @vitest-environment jsdom
import { afterEach, describe, expect, test } from 'vitest';

import { ApiError } from '../../lib/api';
import { qrPath } from '../account/QrCode';
import { base64UrlToBytes } from '../webpush/webpush';
import { authorizeUrl, credentialToken, forgetPendingOAuth, meteorState, pendingOAuth, serviceLabel } from './services';
import { needFromError } from './TwoFactor';

afterEach(() => {
	sessionStorage.clear();
	localStorage.clear();
});

describe('OAuth sign-in', () => {
	test('the start URL is on this server, with Meteor\'s state', () => {
		const url = new URL(authorizeUrl({ service: 'dex', clientId: 'cid', serverURL: 'https://chat.example.org/', authorizePath: '/_oauth/dex/authorize', scope: 'openid email' }, 'tok123', 'https://other', 'https://chat.example.org/login'));
		expect(url.origin + url.pathname).toBe('https://chat.example.org/_oauth/dex/authorize');
		expect(url.searchParams.get('client_id')).toBe('cid');
		expect(url.searchParams.get('redirect_uri')).toBe('https://chat.example.org/_oauth/dex');
		expect(url.searchParams.get('response_type')).toBe('code');
		expect(url.searchParams.get('scope')).toBe('openid email');
		expect(JSON.parse(atob(url.searchParams.get('state')!))).toEqual({ loginStyle: 'redirect', credentialToken: 'tok123', isCordova: false, redirectUrl: 'https://chat.example.org/login' });
		expect(meteorState('t', 'u')).toBe(btoa('{"loginStyle":"redirect","credentialToken":"t","isCordova":false,"redirectUrl":"u"}'));
	});

	test('credential tokens are long, random and URL-safe', () => {
		const a = credentialToken();
		expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(credentialToken()).not.toBe(a);
	});

	test('back from the provider: the credential the end page left becomes the login request, once', () => {
		expect(pendingOAuth()).toBeUndefined();
		sessionStorage.setItem('liftoff.oauth.pending', JSON.stringify({ service: 'dex', credentialToken: 'tok' }));
		// the person came back without finishing: nothing to do
		expect(pendingOAuth()).toBeUndefined();
		sessionStorage.setItem('Meteor.oauth.credentialSecret-tok', 'sec');
		expect(pendingOAuth()).toEqual({ oauth: { credentialToken: 'tok', credentialSecret: 'sec' } });
		forgetPendingOAuth();
		expect(sessionStorage.length).toBe(0);
		expect(pendingOAuth()).toBeUndefined();
	});

	test('button labels', () => {
		expect(serviceLabel({ service: 'dex', buttonLabelText: 'Company login' })).toBe('Company login');
		expect(serviceLabel({ service: 'gitlab' })).toBe('Gitlab');
		expect(serviceLabel({ service: 'saml' })).toBe('SAML');
	});
});

describe('two-factor', () => {
	test('only totp-required asks for a code, with the method the server names', () => {
		const req = { user: { username: 'carol' } };
		expect(needFromError(new ApiError('TOTP Required', 0, 'totp-required', { method: 'email', emailOrUsername: 'carol' }), req)).toEqual({ request: req, method: 'email', emailOrUsername: 'carol' });
		expect(needFromError(new ApiError('TOTP Required', 0, 'totp-required'), req)?.method).toBe('totp');
		expect(needFromError(new ApiError('Incorrect password', 403, 'error-invalid-credentials'), req)).toBeUndefined();
	});

	test('the QR path draws one square per dark module inside a quiet zone', () => {
		const dark = new Set(['0,0', '1,2']);
		const q = qrPath((r, c) => dark.has(`${r},${c}`), 3);
		expect(q.size).toBe(11);
		expect(q.d).toBe('M4 4h1v1h-1zM6 5h1v1h-1z');
	});
});

describe('web push', () => {
	test('the VAPID key decodes from base64url without padding', () => {
		expect([...base64UrlToBytes('AQID_-8')]).toEqual([1, 2, 3, 255, 239]);
	});
});
