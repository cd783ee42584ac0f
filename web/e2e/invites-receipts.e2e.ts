import { afterAll, beforeAll, expect, test } from 'vitest';

import { ADMIN, Api, closeBrowser, message, newPerson, noPageErrors, openRoom, send, Server, signIn } from './harness';

// Invitation links opened while signed out (register or sign in, then land
// in the room), and read receipts on one's own messages.

let server: Server;
let admin: Api;
beforeAll(async () => {
	server = new Server({
		OVERWRITE_SETTING_Accounts_RegistrationForm: 'Secret URL',
		OVERWRITE_SETTING_Message_Read_Receipt_Enabled: 'true',
		OVERWRITE_SETTING_Message_Read_Receipt_Store_Users: 'true',
	});
	await server.start();
	admin = await Api.login(server.url, ADMIN.username, ADMIN.password);
});
afterAll(async () => {
	await closeBrowser();
	await server?.destroy();
});

async function invite(room: string, maxUses = 0): Promise<string> {
	const rid = (await admin.call<{ group: { _id: string } }>('POST', 'groups.create', { name: room })).group._id;
	const inv = await admin.call<{ inviteToken: string }>('POST', 'findOrCreateInvite', { rid, days: 1, maxUses });
	return inv.inviteToken;
}

test('a signed-out visitor registers through an invitation and lands in the room', async () => {
	const token = await invite('invited-crew');
	const p = await newPerson(server);
	await p.page.goto(`/invite/${token}`);
	await p.page.getByText('You were invited to a room. Create an account to join it.').waitFor();
	await p.page.getByLabel('Name', { exact: true }).fill('Ivy Invited');
	await p.page.getByLabel('Username', { exact: true }).fill('ivy');
	await p.page.getByLabel('E-mail').fill('ivy@example.org');
	await p.page.getByLabel('Password', { exact: true }).fill('ivy-pass-123');
	await p.page.getByLabel('Confirm password').fill('ivy-pass-123');
	await p.page.getByRole('button', { name: 'Create account' }).click();
	await p.page.getByRole('heading', { level: 1, name: /^invited-crew/ }).waitFor();
	expect(new URL(p.page.url()).pathname).toBe('/group/invited-crew');
	noPageErrors(p);
});

test('a signed-out member signs in from an invitation and lands in the room', async () => {
	const token = await invite('invited-club');
	await admin.createUser('jo');
	const p = await newPerson(server);
	await p.page.goto(`/invite/${token}`);
	await p.page.getByRole('button', { name: 'I have an account: sign in' }).click();
	await p.page.getByLabel('Username or e-mail').fill('jo');
	await p.page.getByLabel('Password', { exact: true }).fill('jo-pass-1');
	await p.page.getByRole('button', { name: 'Sign in' }).click();
	await p.page.getByRole('heading', { level: 1, name: /^invited-club/ }).waitFor();
	noPageErrors(p);
});

test('an unusable invitation says so', async () => {
	const p = await newPerson(server);
	await p.page.goto('/invite/not-a-real-token');
	await p.page.getByText('Invalid or expired invite').waitFor();
	noPageErrors(p);
});

test('own messages show whether everyone read them, and who did', async () => {
	await admin.createUser('kim');
	const rid = (await admin.call<{ channel: { _id: string } }>('POST', 'channels.create', { name: 'receipts-web', members: ['kim'] })).channel._id;
	const p = await newPerson(server);
	await signIn(p, ADMIN.username, ADMIN.password);
	await openRoom(p, 'receipts-web');
	await send(p, 'did everyone read this?');
	const mine = message(p, 'did everyone read this?');
	await mine.getByTestId('read-receipt').and(p.page.locator('[data-read="false"]')).waitFor();

	const kim = await Api.login(server.url, 'kim', 'kim-pass-1');
	await kim.call('POST', 'subscriptions.read', { rid });
	await mine.getByTestId('read-receipt').and(p.page.locator('[data-read="true"]')).waitFor();

	await mine.hover();
	await mine.getByRole('button', { name: 'More actions' }).click();
	await p.page.getByRole('menuitem', { name: 'Read receipts' }).click();
	const dialog = p.page.getByRole('dialog', { name: 'Read by' });
	await dialog.getByTestId('read-receipt-row').filter({ hasText: 'Kim' }).waitFor();
	expect(await dialog.getByTestId('read-receipt-row').count()).toBe(2);
	noPageErrors(p);
});
