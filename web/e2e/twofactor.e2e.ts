import { createHmac } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { ADMIN, Api, closeBrowser, newPerson, noPageErrors, Server, shot, signIn, type Person } from './harness';

// Two-factor authentication in the web client against the real server:
// turning on TOTP in the account (QR code, first code, backup codes), the
// prompt when login answers totp-required (a wrong code, then a backup
// code), turning it off.

function base32(s: string): Buffer {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = '';
	for (const ch of s.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
	const out: number[] = [];
	for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
	return Buffer.from(out);
}

/** totp is RFC 6238's code (SHA-1, 6 digits, 30 s) for a time. */
function totp(secret: string, at = Date.now()): string {
	const counter = Buffer.alloc(8);
	counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
	const h = createHmac('sha1', base32(secret)).update(counter).digest();
	const off = h[h.length - 1]! & 0xf;
	const n = (h.readUInt32BE(off) & 0x7fffffff) % 1_000_000;
	return String(n).padStart(6, '0');
}

describe('two-factor authentication', () => {
	let server: Server;
	let p: Person;

	beforeAll(async () => {
		server = new Server();
		await server.start();
		const admin = await Api.login(server.url, ADMIN.username, ADMIN.password);
		await admin.createUser('carol');
		p = await newPerson(server);
		await signIn(p, 'carol', 'carol-pass-1');
	});
	afterAll(async () => {
		await closeBrowser();
		await server?.destroy();
	});

	let backup: string[] = [];

	test('the account page turns on TOTP with a QR code and shows backup codes', async () => {
		await p.page.goto('/account/security');
		await p.page.getByRole('button', { name: 'Enable two-factor authentication' }).click();
		await p.page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
		const secret = (await p.page.getByTestId('totp-secret').textContent())!.trim();
		expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
		await shot(p.page, 'account-2fa-light-desktop');
		await p.page.getByLabel('Code', { exact: true }).fill('000000' === totp(secret) ? '111111' : '000000');
		await p.page.getByRole('button', { name: 'Verify and enable' }).click();
		await p.page.getByRole('alert').filter({ hasText: /invalid/i }).waitFor();
		await p.page.getByLabel('Code', { exact: true }).fill(totp(secret));
		await p.page.getByRole('button', { name: 'Verify and enable' }).click();
		const list = p.page.getByRole('list', { name: 'Backup codes' });
		await list.waitFor();
		backup = (await list.getByRole('listitem').allTextContents()).map((s) => s.trim());
		expect(backup).toHaveLength(12);
		await p.page.getByRole('button', { name: 'Disable two-factor authentication' }).waitFor();
	});

	test('signing in then asks for the code; a wrong one is refused, a backup code lets in', async () => {
		await p.context.clearCookies();
		await p.page.evaluate(() => localStorage.clear());
		await p.page.goto('/login');
		await p.page.getByLabel('Username or e-mail').fill('carol');
		await p.page.getByLabel('Password', { exact: true }).fill('carol-pass-1');
		await p.page.getByRole('button', { name: 'Sign in' }).click();
		const code = p.page.getByLabel('Authentication code');
		await code.waitFor();
		await shot(p.page, 'login-2fa-light-desktop');
		await code.fill('123456');
		await p.page.getByRole('button', { name: 'Verify' }).click();
		await p.page.getByRole('alert').filter({ hasText: 'Invalid code' }).waitFor();
		await code.fill(backup[0]!);
		await p.page.getByRole('button', { name: 'Verify' }).click();
		await p.page.getByRole('navigation', { name: 'Rooms' }).waitFor();
	});

	test('TOTP is turned off with a (backup) code; then signing in asks for no code', async () => {
		await p.page.goto('/account/security');
		await p.page.getByLabel('Current code').fill(backup[1]!);
		await p.page.getByRole('button', { name: 'Disable two-factor authentication' }).click();
		await p.page.getByRole('button', { name: 'Enable two-factor authentication' }).waitFor();
		const other = await newPerson(server);
		await signIn(other, 'carol', 'carol-pass-1');
		noPageErrors(p);
	});
});

