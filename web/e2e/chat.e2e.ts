import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { ADMIN, Api, closeBrowser, message, newPerson, noPageErrors, openRoom, send, Server, signIn, type Person } from './harness';

// Two people chatting in real time, each in their own browser context,
// against the real server.

let server: Server;
let admin: Api;
let alice: Person;
let bob: Person;

beforeAll(async () => {
	server = new Server();
	await server.start();
	admin = await Api.login(server.url, ADMIN.username, ADMIN.password);
	await admin.createUser('alice');
	await admin.createUser('bob');
	alice = await newPerson(server);
	bob = await newPerson(server);
	await signIn(alice, 'alice', 'alice-pass-1');
	await signIn(bob, 'bob', 'bob-pass-1');
});

afterAll(async () => {
	await closeBrowser();
	await server?.destroy();
});

describe('chatting', () => {
	test('a message sent by one appears at the other in real time', async () => {
		await openRoom(alice, 'general');
		await openRoom(bob, 'general');
		await send(alice, 'Hello Bob, **welcome**!');
		await message(bob, 'Hello Bob, welcome!').waitFor();
		await expect.poll(() => message(bob, 'Hello Bob').locator('strong').textContent()).toBe('welcome');
		await send(bob, 'Hi Alice :wave:');
		await message(alice, 'Hi Alice').waitFor();
		noPageErrors(alice);
		noPageErrors(bob);
	});

	test('typing shows "alice is typing…" at the other', async () => {
		await alice.page.getByTestId('composer').pressSequentially('I am writi', { delay: 10 });
		await expect.poll(() => bob.page.getByTestId('typing').textContent()).toBe('alice is typing…');
		await alice.page.getByTestId('composer').press('Enter');
		await expect.poll(() => bob.page.getByTestId('typing').textContent()).toBe('');
	});

	test('a reaction appears at the other and toggles off', async () => {
		await send(bob, 'react to this');
		const mine = message(alice, 'react to this');
		await mine.waitFor();
		await mine.hover();
		await mine.getByRole('button', { name: 'Add reaction' }).first().click();
		await alice.page.getByRole('dialog', { name: 'Emoji picker' }).getByLabel('Search emoji').fill('thumbsup');
		await alice.page.getByRole('dialog', { name: 'Emoji picker' }).getByRole('button', { name: ':thumbsup:' }).first().click();
		const atBob = message(bob, 'react to this').getByTestId('reaction');
		await expect.poll(() => atBob.count()).toBe(1);
		await expect.poll(() => atBob.first().getAttribute('aria-label')).toMatch(/1/);
		await message(alice, 'react to this').getByTestId('reaction').first().click();
		await expect.poll(() => atBob.count()).toBe(0);
	});

	test('an edit and a deletion are seen by the other', async () => {
		await send(alice, 'typo here');
		await message(bob, 'typo here').waitFor();
		// ↑ in the empty composer edits the last own message.
		const box = alice.page.getByTestId('composer');
		await box.press('ArrowUp');
		await expect.poll(() => box.inputValue()).toBe('typo here');
		await box.fill('fixed text');
		await box.press('Enter');
		await message(bob, 'fixed text').waitFor();
		await expect.poll(() => message(bob, 'fixed text').getByLabel('edited').count()).toBeGreaterThan(0);
		expect(await message(bob, 'typo here').count()).toBe(0);

		const m = message(alice, 'fixed text');
		await m.hover();
		await m.getByRole('button', { name: 'More actions' }).click();
		await alice.page.getByRole('menuitem', { name: 'Delete' }).click();
		await expect.poll(() => message(bob, 'fixed text').count()).toBe(0);
		await expect.poll(() => message(alice, 'fixed text').count()).toBe(0);
	});

	test('a thread reply: the panel, its own composer, the count in the room', async () => {
		await send(alice, 'thread starter');
		const start = message(bob, 'thread starter');
		await start.waitFor();
		await start.hover();
		await start.getByRole('button', { name: 'Reply in thread' }).click();
		const panel = bob.page.getByTestId('thread-panel');
		await panel.waitFor();
		await send(bob, 'a reply in the thread', 'thread-composer');
		await panel.getByText('a reply in the thread').waitFor();
		// At alice: the starter shows the reply count; the reply itself stays out of the room.
		await expect.poll(() => message(alice, 'thread starter').getByText('1 reply').count()).toBe(1);
		expect(await alice.page.locator('.lo-room-column [data-testid="message"]').filter({ hasText: 'a reply in the thread' }).count()).toBe(0);
		await message(alice, 'thread starter').getByRole('button', { name: 'View thread' }).click();
		await alice.page.getByTestId('thread-panel').getByText('a reply in the thread').waitFor();
		await alice.page.keyboard.press('Escape');
		await expect.poll(() => alice.page.getByTestId('thread-panel').count()).toBe(0);
		await bob.page.keyboard.press('Escape');
	});

	test('the unread badge appears in the other room and clears when opened', async () => {
		const rid = await admin.roomId('general');
		await admin.call('POST', 'channels.create', { name: 'elsewhere', members: ['alice', 'bob'] });
		await openRoom(bob, 'elsewhere');
		await admin.post(rid, 'news for everyone');
		const link = bob.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: /^general/ });
		// Rocket.Chat counts plain channel messages only as "unread" (bold), not
		// in the badge (Unread_Count: user_and_group_mentions_only).
		await expect.poll(() => link.getAttribute('aria-label')).toBe('general, unread');
		await expect.poll(() => bob.page.title()).toMatch(/^• /);
		await link.click();
		await message(bob, 'news for everyone').waitFor();
		await expect.poll(() => link.getAttribute('aria-label')).toBe('general');
		// A mention of bob gives a mention badge and counts in the tab title.
		await openRoom(bob, 'elsewhere');
		await admin.post(rid, '@bob look at this');
		await expect.poll(() => link.getAttribute('aria-label')).toMatch(/mention/);
		await expect.poll(() => bob.page.title()).toMatch(/^\(1\) /);
		await link.click();
		await expect.poll(() => link.getAttribute('aria-label')).toBe('general');
	});

	test('a direct message: started from the composer dialog, received live', async () => {
		await alice.page.getByRole('button', { name: 'Create new' }).click();
		await alice.page.getByRole('menuitem', { name: 'Direct message' }).click();
		const dialog = alice.page.getByRole('dialog', { name: 'Direct message' });
		await dialog.getByLabel('Find people by name or username').fill('bo');
		await dialog.getByRole('option', { name: /bob/ }).click();
		await dialog.getByRole('button', { name: 'Open conversation' }).click();
		await alice.page.getByRole('heading', { level: 1, name: /bob/i }).waitFor();
		await send(alice, 'a private word');
		const dm = bob.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: /^alice/ });
		await expect.poll(() => dm.getAttribute('aria-label')).toMatch(/unread direct message/);
		await dm.click();
		await message(bob, 'a private word').waitFor();
	});

	test('HTML in a message shows as text and runs nothing', async () => {
		await openRoom(alice, 'general');
		await openRoom(bob, 'general');
		let dialogs = 0;
		bob.page.on('dialog', () => dialogs++);
		const evil = '<img src=x onerror=alert(1)> <script>alert(2)</script>';
		await send(alice, evil);
		const m = message(bob, '<img src=x onerror=alert(1)>');
		await m.waitFor();
		expect(await m.getByTestId('message-body').textContent()).toContain(evil);
		expect(await m.locator('img[src="x"]').count()).toBe(0);
		expect(await bob.page.evaluate(() => document.querySelectorAll('script:not([src])').length)).toBe(0);
		expect(dialogs).toBe(0);
	});
});
