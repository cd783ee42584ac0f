import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { ADMIN, Api, closeBrowser, newPerson, Server, signIn, type Person } from './harness';

// Features of the client that rest on the search and catalogue endpoints:
// spotlight, users.presence, directory, rooms.autocomplete.channelAndPrivate,
// rooms.adminRooms and custom-user-status.list (each test names its endpoint).
describe('search and catalogues', () => {
	let server: Server;
	let admin: Api;
	let p: Person;

	beforeAll(async () => {
		server = new Server();
		await server.start();
		admin = await Api.login(server.url, ADMIN.username, ADMIN.password);
		await admin.createUser('dora');
		await admin.call('POST', 'channels.create', { name: 'outsiders' });
		p = await newPerson(server);
		await signIn(p, ADMIN.username, ADMIN.password);
	});
	afterAll(async () => {
		await closeBrowser();
		await server?.destroy();
	});

	function answered(path: string) {
		return p.page.waitForResponse((r) => new URL(r.url()).pathname === `/api/v1/${path}`);
	}

	test('spotlight: the direct message dialog finds people with it', async () => {
		await p.page.goto('/home');
		await p.page.getByRole('button', { name: 'Create new' }).click();
		await p.page.getByRole('menuitem', { name: 'Direct message' }).click();
		const res = answered('spotlight');
		await p.page.getByRole('dialog', { name: 'Direct message' }).getByLabel('Find people by name or username').fill('dor');
		expect((await res).status()).toBe(200);
		await p.page.getByRole('option', { name: /dora/ }).waitFor();
		await p.page.keyboard.press('Escape');
	});

	test('users.presence: presence of many users in one call', async () => {
		const res = answered('users.presence');
		await p.page.goto('/channel/general/members');
		expect((await res).status()).toBe(200);
		await p.page.getByRole('complementary', { name: 'Members' }).getByRole('img', { name: 'Online' }).first().waitFor();
	});

	test('directory: channels, teams and users from one endpoint', async () => {
		const res = answered('directory');
		await p.page.goto('/directory/users');
		expect((await res).status()).toBe(200);
		await p.page.getByRole('main').getByText('@dora').waitFor();
	});

	test('rooms.autocomplete.channelAndPrivate: "#" offers the user\'s matching rooms', async () => {
		await p.page.goto('/channel/general');
		const res = answered('rooms.autocomplete.channelAndPrivate');
		await p.page.getByTestId('composer').fill('see #outs');
		expect((await res).status()).toBe(200);
		await p.page.getByRole('listbox', { name: 'Suggestions' }).getByText('#outsiders').waitFor();
	});

	test('rooms.adminRooms: the administration lists every kind of room', async () => {
		const res = answered('rooms.adminRooms');
		await p.page.goto('/admin/rooms');
		expect((await res).status()).toBe(200);
		await p.page.getByRole('main').getByRole('link', { name: 'outsiders' }).waitFor();
	});

	test('custom-user-status.list: preset statuses in the status dialog', async () => {
		await admin.call('POST', 'custom-user-status.create', { name: 'In a meeting', statusType: 'busy' });
		await p.page.goto('/home');
		await p.page.getByRole('button', { name: /^User menu/ }).click();
		const res = answered('custom-user-status.list');
		await p.page.getByRole('menuitem', { name: 'Custom status…' }).click();
		expect((await res).status()).toBe(200);
		await p.page.getByRole('group', { name: 'Preset statuses' }).getByRole('button', { name: 'In a meeting' }).waitFor();
	});
});
