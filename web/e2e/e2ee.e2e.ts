import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { ADMIN, Api, closeBrowser, message, newPerson, noPageErrors, openRoom, send, Server, shot, signIn, type Person } from './harness';

// End-to-end encrypted rooms: two people set up their keys (each shown a
// passphrase once), one creates an encrypted private group from the UI, and
// they read each other's messages, which the server only holds encrypted.
// Then one signs in on a new browser and unlocks the keys with the
// passphrase.

let server: Server;
let admin: Api;
let alice: Person;
let bob: Person;
let bobPassphrase = '';
/** what bob's browser receives over the WebSocket */
const bobFrames: string[] = [];

const SECRET = 'the eagle lands at noon';
const REPLY = 'copy that, bringing the maps';

beforeAll(async () => {
	server = new Server({ OVERWRITE_SETTING_E2E_Enable: 'true' });
	await server.start();
	admin = await Api.login(server.url, ADMIN.username, ADMIN.password);
	await admin.createUser('alice');
	await admin.createUser('bob');
	alice = await newPerson(server);
	bob = await newPerson(server);
	bob.page.on('websocket', (ws) => ws.on('framereceived', (f) => bobFrames.push(String(f.payload))));
});

afterAll(async () => {
	await closeBrowser();
	await server?.destroy();
});

async function savePassphrase(p: Person, screenshot?: string): Promise<string> {
	const banner = p.page.getByTestId('e2e-banner');
	await banner.getByRole('button', { name: 'Save passphrase' }).click();
	const dialog = p.page.getByRole('dialog', { name: 'Save your encryption passphrase' });
	const phrase = (await dialog.getByTestId('e2e-passphrase').textContent()) ?? '';
	expect(phrase).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){5}$/);
	if (screenshot) await shot(p.page, screenshot);
	await dialog.getByRole('button', { name: 'I saved it' }).click();
	await expect.poll(() => banner.count()).toBe(0);
	return phrase;
}

describe('end-to-end encrypted rooms', () => {
	test('each person gets keys, saved on the server under a passphrase shown once', async () => {
		await signIn(bob, 'bob', 'bob-pass-1');
		bobPassphrase = await savePassphrase(bob);
		await signIn(alice, 'alice', 'alice-pass-1');
		await savePassphrase(alice, 'e2e-passphrase-light-desktop');
		// The server holds the public key and only an encrypted private key.
		const bobApi = await Api.login(server.url, 'bob', 'bob-pass-1');
		const keys = await bobApi.call<{ public_key: string; private_key: string }>('GET', 'e2e.fetchMyKeys');
		expect(JSON.parse(keys.public_key).kty).toBe('RSA');
		expect(Object.keys(JSON.parse(keys.private_key)).sort()).toEqual(['ciphertext', 'iterations', 'iv', 'salt']);
		expect(keys.private_key).not.toContain(bobPassphrase);
		// A reload keeps the keys of this browser: no banner.
		await bob.page.reload();
		await bob.page.getByRole('navigation', { name: 'Rooms' }).waitFor();
		await bob.page.waitForTimeout(500);
		expect(await bob.page.getByTestId('e2e-banner').count()).toBe(0);
	});

	test('an encrypted private group, created from the dialog, carries a lock', async () => {
		await alice.page.getByRole('button', { name: 'Create new' }).click();
		await alice.page.getByRole('menuitem', { name: 'Channel' }).click();
		const dialog = alice.page.getByRole('dialog', { name: /Create/ });
		await dialog.getByLabel('Name').fill('secret-plans');
		await dialog.getByLabel('Add people').fill('bo');
		await alice.page.getByRole('option', { name: /bob/ }).click();
		const toggle = dialog.getByLabel('Encrypted');
		if (!(await toggle.isChecked())) await toggle.check({ force: true });
		await dialog.getByRole('button', { name: 'Create' }).click();
		await alice.page.getByRole('heading', { level: 1, name: /secret-plans/ }).waitFor();
		await alice.page.getByRole('heading', { level: 1 }).getByTestId('e2e-lock').waitFor();
		const link = alice.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: /^secret-plans/ });
		await link.getByTestId('e2e-lock').waitFor();
		const aliceApi = await Api.login(server.url, 'alice', 'alice-pass-1');
		const info = await aliceApi.call<{ room: { encrypted?: boolean; t: string } }>('GET', 'rooms.info', { roomName: 'secret-plans' });
		expect(info.room).toMatchObject({ t: 'p', encrypted: true });
	});

	test('two members read each other’s messages; the server holds only ciphertext', async () => {
		await send(alice, SECRET);
		await message(alice, SECRET).waitFor();
		await openRoom(bob, 'secret-plans');
		await message(bob, SECRET).waitFor({ timeout: 30_000 });
		await bob.page.getByRole('heading', { level: 1 }).getByTestId('e2e-lock').waitFor();
		await send(bob, REPLY);
		await message(alice, REPLY).waitFor({ timeout: 30_000 });
		// Each side shows both messages in clear, its own included, once the server's copies are in.
		await bob.page.waitForTimeout(1000);
		for (const p of [alice, bob]) {
			await message(p, SECRET).waitFor();
			await message(p, REPLY).waitFor();
			expect(await p.page.getByTestId('e2e-undecrypted').count()).toBe(0);
		}
		await shot(alice.page, 'e2e-room-light-desktop');

		// The server's history holds no clear text…
		const bobApi = await Api.login(server.url, 'bob', 'bob-pass-1');
		const rid = await bobApi.roomId('secret-plans');
		const history = await bobApi.call<{ messages: { t?: string; msg?: string; content?: { algorithm: string; kid: string; iv: string } }[] }>('GET', 'groups.history', { roomId: rid });
		expect(JSON.stringify(history)).not.toContain(SECRET);
		expect(JSON.stringify(history)).not.toContain(REPLY);
		const stored = history.messages.filter((m) => m.t === 'e2e');
		expect(stored.length).toBeGreaterThanOrEqual(2);
		for (const m of stored) expect(m.content).toMatchObject({ algorithm: 'rc.v2.aes-sha2', kid: expect.stringMatching(/^[0-9a-f-]{36}$/) });
		// …and what reached bob's browser was Rocket.Chat's rc.v2.aes-sha2 content.
		const received = bobFrames.join('\n');
		expect(received).not.toContain(SECRET);
		const contents = [...received.matchAll(/"content":(\{[^{}]*"rc\.v2\.aes-sha2"[^{}]*\})/g)].map((m) => JSON.parse(m[1]!) as { kid: string; iv: string; ciphertext: string });
		expect(contents.length).toBeGreaterThan(0);
		for (const c of contents) {
			expect(c.kid).toMatch(/^[0-9a-f-]{36}$/);
			expect(atob(c.iv)).toHaveLength(12);
			expect(atob(c.ciphertext).length).toBeGreaterThan(16);
		}
		noPageErrors(alice);
		noPageErrors(bob);
	});

	test('an edit of an encrypted message is encrypted and read by the other', async () => {
		const EDITED = 'bob edits his reply: meet at the north gate';
		const box = bob.page.getByTestId('composer');
		await box.click();
		await box.press('ArrowUp');
		await expect.poll(() => box.inputValue()).toBe(REPLY);
		await box.fill(EDITED);
		await box.press('Enter');
		await message(alice, EDITED).waitFor({ timeout: 30_000 });
		await expect.poll(() => message(alice, EDITED).getByLabel('edited').count()).toBeGreaterThan(0);
		const aliceApi = await Api.login(server.url, 'alice', 'alice-pass-1');
		const rid = await aliceApi.roomId('secret-plans');
		const history = await aliceApi.call<unknown>('GET', 'groups.history', { roomId: rid });
		expect(JSON.stringify(history)).not.toContain(EDITED);
		// The thread test below starts from the original reply's text.
		await box.press('ArrowUp');
		await expect.poll(() => box.inputValue()).toBe(EDITED);
		await box.fill(REPLY);
		await box.press('Enter');
		await message(alice, REPLY).waitFor({ timeout: 30_000 });
		noPageErrors(alice);
		noPageErrors(bob);
	});

	test('a thread reply is encrypted too, and read in the other’s thread panel', async () => {
		const start = message(bob, SECRET);
		await start.hover();
		await start.getByRole('button', { name: 'Reply in thread' }).click();
		const panel = bob.page.getByTestId('thread-panel');
		await panel.waitFor();
		await send(bob, 'a whispered thread reply', 'thread-composer');
		await panel.getByText('a whispered thread reply').waitFor();
		await expect.poll(() => message(alice, SECRET).getByText('1 reply').count()).toBe(1);
		await message(alice, SECRET).getByRole('button', { name: 'View thread' }).click();
		await alice.page.getByTestId('thread-panel').getByText('a whispered thread reply').waitFor({ timeout: 30_000 });
		const bobApi = await Api.login(server.url, 'bob', 'bob-pass-1');
		const rid = await bobApi.roomId('secret-plans');
		const history = await bobApi.call<Record<string, unknown>>('GET', 'groups.history', { roomId: rid });
		expect(JSON.stringify(history)).not.toContain('whispered');
		await alice.page.keyboard.press('Escape');
		await bob.page.keyboard.press('Escape');
	});

	test('on a new browser the keys are locked until the passphrase is entered', async () => {
		const again = await newPerson(server);
		await signIn(again, 'bob', 'bob-pass-1');
		const banner = again.page.getByTestId('e2e-banner');
		await banner.getByRole('button', { name: 'Enter passphrase' }).waitFor();
		await openRoom(again, 'secret-plans');
		await again.page.getByTestId('e2e-room-notice').waitFor();
		await expect.poll(() => again.page.getByTestId('e2e-undecrypted').count()).toBeGreaterThan(0);
		await shot(again.page, 'e2e-locked-light-desktop');
		expect(await message(again, SECRET).count()).toBe(0);

		await banner.getByRole('button', { name: 'Enter passphrase' }).click();
		const dialog = again.page.getByRole('dialog', { name: 'Enter your encryption passphrase' });
		await dialog.getByLabel('Passphrase').fill('not-the-right-one');
		await dialog.getByRole('button', { name: 'Unlock' }).click();
		await dialog.getByRole('alert').filter({ hasText: 'not the right one' }).waitFor();
		await dialog.getByLabel('Passphrase').fill(bobPassphrase);
		await dialog.getByRole('button', { name: 'Unlock' }).click();
		await message(again, SECRET).waitFor({ timeout: 30_000 });
		await message(again, REPLY).waitFor();
		expect(await again.page.getByTestId('e2e-room-notice').count()).toBe(0);
		await send(again, 'written from the second browser');
		await message(alice, 'written from the second browser').waitFor({ timeout: 30_000 });
		await again.context.close();
	});
});
