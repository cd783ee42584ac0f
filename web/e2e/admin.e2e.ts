import { afterAll, beforeAll, expect, test } from 'vitest';

import { ADMIN, closeBrowser, newPerson, noPageErrors, Server, signIn } from './harness';

let server: Server;
beforeAll(async () => {
	server = new Server();
	await server.start();
});
afterAll(async () => {
	await closeBrowser();
	await server?.destroy();
});

test('an administrator creates a user who then signs in', async () => {
	const admin = await newPerson(server);
	await signIn(admin, ADMIN.username, ADMIN.password);
	await admin.page.getByRole('button', { name: 'Administration' }).click();
	await admin.page.getByRole('link', { name: 'Users' }).click();
	await admin.page.getByRole('button', { name: 'New user' }).click();
	const dialog = admin.page.getByRole('dialog', { name: 'New user' });
	await dialog.getByLabel('Name', { exact: true }).fill('Carol Danvers');
	await dialog.getByLabel('Username').fill('carol');
	await dialog.getByLabel('E-mail').fill('carol@example.org');
	await dialog.getByLabel('Password', { exact: true }).fill('carol-pass-1');
	await dialog.getByRole('button', { name: 'Create' }).click();
	await admin.page.getByTestId('admin-user-row').filter({ hasText: '@carol' }).waitFor();
	noPageErrors(admin);

	const carol = await newPerson(server);
	await signIn(carol, 'carol', 'carol-pass-1');
	await expect.poll(() => carol.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: /^general/ }).count()).toBe(1);
	noPageErrors(carol);
});

test('wrong credentials show an error, not a crash', async () => {
	const p = await newPerson(server);
	await p.page.goto('/login');
	await p.page.getByLabel('Username or e-mail').fill('admin');
	await p.page.getByLabel('Password', { exact: true }).fill('nope');
	await p.page.getByRole('button', { name: 'Sign in' }).click();
	await p.page.getByRole('alert').filter({ hasText: /incorrect|password/i }).waitFor();
});

test('the session survives a reload (resume token) and ends with log out', async () => {
	const p = await newPerson(server);
	await signIn(p, ADMIN.username, ADMIN.password);
	await p.page.goto('/channel/general');
	await p.page.getByRole('heading', { level: 1, name: /general/ }).waitFor();
	await p.page.reload();
	await p.page.getByRole('heading', { level: 1, name: /general/ }).waitFor();
	await p.page.getByRole('button', { name: /^User menu/ }).click();
	await p.page.getByRole('menuitem', { name: 'Log out' }).click();
	await p.page.getByRole('button', { name: 'Sign in' }).waitFor();
	await p.page.goto('/home');
	await p.page.getByRole('button', { name: 'Sign in' }).waitFor();
});

test('the administration pages load: workspace, rooms, permissions, settings', async () => {
	const p = await newPerson(server);
	await signIn(p, ADMIN.username, ADMIN.password);
	await p.page.goto('/admin/info');
	await p.page.getByRole('region', { name: 'Users' }).waitFor();
	await p.page.getByRole('link', { name: 'Rooms' }).click();
	await p.page.getByRole('main').getByRole('link', { name: 'general', exact: true }).waitFor();
	await p.page.getByRole('link', { name: 'Permissions' }).click();
	const matrix = p.page.getByRole('table', { name: 'Permissions by role' });
	await matrix.getByRole('rowheader', { name: 'create-c' }).waitFor();
	await p.page.getByRole('link', { name: 'Settings' }).click();
	await p.page.getByRole('navigation', { name: 'Setting groups' }).getByRole('button', { name: 'Accounts', exact: true }).click();
	await p.page.getByText('Accounts_RegistrationForm', { exact: true }).waitFor();
	noPageErrors(p);
});
