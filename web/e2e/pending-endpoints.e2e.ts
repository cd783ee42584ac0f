import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { ADMIN, Api, closeBrowser, newPerson, openRoom, Server, signIn, type Person } from './harness';

// Browser tests of features that need Rocket.Chat endpoints Liftoff does not
// answer yet (each test names its endpoint). The client already calls them,
// and falls back or shows an error meanwhile. Enable the block once the
// endpoints land:
//
//   LIFTOFF_E2E_PENDING=1 npm run e2e -- e2e/pending-endpoints.e2e.ts
//
// then drop the skipIf so `make test` runs them.

const enabled = Boolean(process.env.LIFTOFF_E2E_PENDING);

describe.skipIf(!enabled)('waiting for server endpoints', () => {
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

	test('users.setPreferences: a preference follows the user to another browser', async () => {
		await p.page.goto('/account/preferences');
		const res = answered('users.setPreferences');
		await p.page.getByLabel('Unread rooms on top').click({ force: true });
		expect((await res).status()).toBe(200);
		const other = await newPerson(server);
		await signIn(other, ADMIN.username, ADMIN.password);
		await other.page.goto('/account/preferences');
		await expect.poll(() => other.page.getByLabel('Unread rooms on top').isChecked()).toBe(true);
	});

	test('rooms.saveNotification: per-room notification preferences are saved', async () => {
		await p.page.goto('/channel/general/notifications');
		await p.page.getByLabel('Hide unread status').click({ force: true });
		const res = answered('rooms.saveNotification');
		await p.page.getByRole('button', { name: 'Save' }).click();
		expect((await res).status()).toBe(200);
		const sub = await admin.call<{ subscription: { hideUnreadStatus?: boolean } }>('GET', 'subscriptions.getOne', { roomId: await admin.roomId('general') });
		expect(sub.subscription.hideUnreadStatus).toBe(true);
	});

	test('commands.list: "/" offers the server\'s slash commands', async () => {
		await openRoom(p, 'general');
		const res = answered('commands.list');
		await p.page.getByTestId('composer').fill('/');
		expect((await res).status()).toBe(200);
		await expect.poll(() => p.page.getByRole('listbox', { name: 'Suggestions' }).getByRole('option').count()).toBeGreaterThan(0);
		await p.page.getByTestId('composer').fill('');
	});
});

// Until then, the same features must fail softly: a clear message or a
// fallback, never a crash. These run today.
describe('features whose endpoints are missing fail softly', () => {
	let server: Server;
	let p: Person;
	beforeAll(async () => {
		server = new Server();
		await server.start();
		const admin = await Api.login(server.url, ADMIN.username, ADMIN.password);
		await admin.createUser('dora');
		p = await newPerson(server);
		await signIn(p, ADMIN.username, ADMIN.password);
	});
	afterAll(async () => {
		await closeBrowser();
		await server?.destroy();
	});

	test('people search falls back to users.autocomplete, the directory to the list endpoints', async () => {
		await p.page.goto('/directory/users');
		await p.page.getByRole('main').getByText('@dora').waitFor();
		await p.page.goto('/home');
		await p.page.getByRole('button', { name: 'Create new' }).click();
		await p.page.getByRole('menuitem', { name: 'Direct message' }).click();
		await p.page.getByRole('dialog', { name: 'Direct message' }).getByLabel('Find people by name or username').fill('dor');
		await p.page.getByRole('option', { name: /dora/ }).waitFor();
	});

	test('saving notification preferences shows the server\'s refusal', async () => {
		await p.page.goto('/channel/general/notifications');
		await p.page.getByRole('button', { name: 'Save' }).click();
		await p.page.getByRole('alert').filter({ hasText: /does not offer this feature yet/ }).waitFor();
		await p.page.getByRole('heading', { level: 1, name: /general/ }).waitFor();
	});
});
