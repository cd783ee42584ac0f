import { afterAll, beforeAll, expect, test } from 'vitest';

import { ADMIN, Api, closeBrowser, newPerson, noPageErrors, Server, signIn } from './harness';

// Keyboard navigation and the phone-width layout.

let server: Server;
beforeAll(async () => {
	server = new Server();
	await server.start();
	const admin = await Api.login(server.url, ADMIN.username, ADMIN.password);
	await admin.call('POST', 'channels.create', { name: 'alpha' });
	await admin.call('POST', 'channels.create', { name: 'beta' });
});
afterAll(async () => {
	await closeBrowser();
	await server?.destroy();
});

const heading = (name: string) => new RegExp(`^${name}`);

test('Ctrl+K jumps to a room, Alt+↓/↑ move between rooms, Esc closes a panel', async () => {
	const p = await newPerson(server);
	await signIn(p, ADMIN.username, ADMIN.password);
	await p.page.keyboard.press('Control+k');
	const dialog = p.page.getByRole('dialog', { name: 'Jump to a room' });
	await dialog.getByRole('combobox').fill('alp');
	await p.page.keyboard.press('Enter');
	await p.page.getByRole('heading', { level: 1, name: heading('alpha') }).waitFor();
	expect(await dialog.count()).toBe(0);

	// The sidebar's order (by activity: the newest room first) decides the next room.
	const order = await p.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link').evaluateAll((links) => links.map((a) => a.getAttribute('aria-label')?.split(',')[0]));
	const i = order.indexOf('alpha');
	const next = order[(i + 1) % order.length]!;
	await p.page.keyboard.press('Alt+ArrowDown');
	await p.page.getByRole('heading', { level: 1, name: heading(next) }).waitFor();
	await p.page.keyboard.press('Alt+ArrowUp');
	await p.page.getByRole('heading', { level: 1, name: heading('alpha') }).waitFor();

	await p.page.getByRole('button', { name: 'Members' }).click();
	await p.page.getByRole('complementary', { name: 'Members' }).waitFor();
	await p.page.keyboard.press('Escape');
	await expect.poll(() => p.page.getByRole('complementary', { name: 'Members' }).count()).toBe(0);
	expect(new URL(p.page.url()).pathname).toBe('/channel/alpha');
	noPageErrors(p);
});

test('at phone width the room list and the room take the screen in turn', async () => {
	const p = await newPerson(server, { width: 390, height: 844 });
	await signIn(p, ADMIN.username, ADMIN.password);
	const rooms = p.page.getByRole('navigation', { name: 'Rooms' });
	await rooms.getByRole('link', { name: /^beta/ }).click();
	await p.page.getByRole('heading', { level: 1, name: heading('beta') }).waitFor();
	expect(await rooms.isVisible()).toBe(false);
	await p.page.getByTestId('composer').fill('from a phone');
	await p.page.getByTestId('composer').press('Enter');
	await p.page.getByText('from a phone').waitFor();
	await p.page.getByRole('button', { name: 'Back to rooms' }).click();
	await rooms.waitFor();
	expect(await p.page.getByRole('heading', { level: 1, name: heading('beta') }).isVisible()).toBe(false);
	noPageErrors(p);
});
