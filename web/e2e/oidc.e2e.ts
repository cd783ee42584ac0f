import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { ADMIN, Api, closeBrowser, newPerson, noPageErrors, Server, shot } from './harness';

// OpenID Connect sign-in in the web client through Dex (the scripts/peers.sh
// peer the Go tests use): the button listed by settings.oauth in the
// service's colours, the redirect flow through Dex's login form, the
// sign-in on return; a forged credential refused.

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function freePort(): Promise<number> {
	return new Promise((res, rej) => {
		const s = createServer();
		s.listen(0, '127.0.0.1', () => {
			const a = s.address();
			s.close(() => (typeof a === 'object' && a ? res(a.port) : rej(new Error('no port'))));
		});
	});
}

describe('OpenID Connect through Dex', () => {
	let server: Server;
	let dex: ChildProcess | undefined;
	let dir = '';
	let issuer = '';

	beforeAll(async () => {
		// Dex is built once by scripts/peers.sh and cached (as for the Go tests).
		const bin = execFileSync(join(repo, 'scripts', 'peers.sh'), ['dex'], { encoding: 'utf8' }).trim().split('\n').pop()!;
		server = new Server();
		await server.start();
		const port = await freePort();
		issuer = `http://127.0.0.1:${port}/dex`;
		dir = mkdtempSync(join(tmpdir(), 'liftoff-dex-'));
		// bcrypt of "password" (cost 10)
		const hash = '$2a$10$GvB4WNHk8G57f6n45g9lN.YKVpkrlmghJDaDRcmNvARgFLwfkso3.';
		writeFileSync(
			join(dir, 'config.yaml'),
			`issuer: ${issuer}
storage: {type: memory}
web: {http: 127.0.0.1:${port}}
logger: {level: warn}
oauth2:
  skipApprovalScreen: true
  responseTypes: [code]
enablePasswordDB: true
staticPasswords:
  - email: alice@example.org
    hash: "${hash}"
    username: alice
    name: Alice Liddell
    userID: "08a8684b-db88-4b73-90a9-3cd1661f5466"
staticClients:
  - id: liftoff-web
    secret: web-secret-123
    name: Liftoff
    redirectURIs: [${server.url}/_oauth/dex]
`,
		);
		dex = spawn(bin, ['serve', join(dir, 'config.yaml')], { stdio: 'ignore' });
		const deadline = Date.now() + 60_000;
		for (;;) {
			try {
				const keys = (await (await fetch(`${issuer}/keys`)).json()) as { keys?: unknown[] };
				if (keys.keys?.length) break;
			} catch {
				// not up yet
			}
			if (Date.now() > deadline) throw new Error('dex did not start');
			await new Promise((r) => setTimeout(r, 100));
		}
		const admin = await Api.login(server.url, ADMIN.username, ADMIN.password);
		await admin.call('POST', 'settings.addCustomOAuth', { name: 'dex' });
		const k = 'Accounts_OAuth_Custom-Dex';
		const values: Record<string, unknown> = {
			[`${k}-url`]: issuer,
			[`${k}-authorize_path`]: '/auth',
			[`${k}-token_path`]: '/token',
			[`${k}-identity_path`]: '/userinfo',
			[`${k}-scope`]: 'openid email profile',
			[`${k}-id`]: 'liftoff-web',
			[`${k}-secret`]: 'web-secret-123',
			[`${k}-token_sent_via`]: 'header',
			[`${k}-key_field`]: 'email',
			[`${k}-username_field`]: '{{/^([^@]+)@/::email}}',
			[`${k}-name_field`]: 'name',
			[`${k}-login_style`]: 'redirect',
			[`${k}-button_label_text`]: 'Company login',
			[`${k}-button_color`]: '#13679a',
			[`${k}-button_label_color`]: '#ffffff',
			[k]: true,
		};
		for (const [id, value] of Object.entries(values)) await admin.call('POST', `settings/${id}`, { value });
	}, 900_000);
	afterAll(async () => {
		await closeBrowser();
		dex?.kill();
		await server?.destroy();
		if (dir) rmSync(dir, { recursive: true, force: true });
	});

	test('the login page shows the service\'s button; the redirect flow through Dex signs the person in', async () => {
		const p = await newPerson(server);
		await p.page.goto('/login');
		const button = p.page.getByRole('button', { name: 'Sign in with Company login' });
		await button.waitFor();
		expect(await button.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(19, 103, 154)');
		await shot(p.page, 'login-services-light-desktop');
		await button.click();
		// Dex's own login form
		await p.page.waitForURL((u) => u.href.startsWith(issuer));
		await p.page.locator('input[name="login"]').fill('alice@example.org');
		await p.page.locator('input[name="password"]').fill('password');
		await p.page.locator('button[type="submit"]').click();
		await p.page.getByRole('navigation', { name: 'Rooms' }).waitFor({ timeout: 30_000 });
		const me = await p.page.evaluate(async () => {
			const uid = localStorage.getItem('Meteor.userId')!;
			const token = localStorage.getItem('Meteor.loginToken')!;
			return (await (await fetch('/api/v1/me', { headers: { 'X-User-Id': uid, 'X-Auth-Token': token } })).json()) as { username: string; name: string };
		});
		expect(me.username).toBe('alice');
		expect(me.name).toBe('Alice Liddell');
		noPageErrors(p);
	});

	test('a forged return (a credential the server never issued) is refused with a message', async () => {
		const p = await newPerson(server);
		await p.page.goto('/login');
		// the page has started (and found nothing to finish) before the forged return is planted
		await p.page.getByRole('button', { name: 'Sign in with Company login' }).waitFor();
		await p.page.evaluate(() => {
			sessionStorage.setItem('liftoff.oauth.pending', JSON.stringify({ service: 'dex', credentialToken: 'forged-token-0123456789abcdef' }));
			sessionStorage.setItem('Meteor.oauth.credentialSecret-forged-token-0123456789abcdef', 'forged-secret');
		});
		await p.page.reload();
		await p.page.getByRole('alert').filter({ hasText: 'No matching login attempt found' }).waitFor();
		expect(await p.page.getByRole('navigation', { name: 'Rooms' }).count()).toBe(0);
	});
});
