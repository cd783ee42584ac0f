import { afterAll, beforeAll, expect, test } from 'vitest';

import { ADMIN, Api, closeBrowser, message, newPerson, noPageErrors, openRoom, Server, signIn } from './harness';

// Ignoring a member: the Members panel's Ignore button collapses their
// messages to a "Message ignored" placeholder (shown again on a click), and
// Unignore brings them back.

let server: Server;
beforeAll(async () => {
	server = new Server();
	await server.start();
	const admin = await Api.login(server.url, ADMIN.username, ADMIN.password);
	const noisy = await admin.createUser('noisy');
	await admin.call('POST', 'channels.create', { name: 'quiet', members: ['noisy'] });
	const rid = await admin.roomId('quiet');
	const n = await Api.login(server.url, noisy.username, noisy.password);
	await n.post(rid, 'loud words');
});
afterAll(async () => {
	await closeBrowser();
	await server?.destroy();
});

test('ignoring a member hides their messages behind a placeholder', async () => {
	const p = await newPerson(server);
	await signIn(p, ADMIN.username, ADMIN.password);
	await openRoom(p, 'quiet');
	await message(p, 'loud words').waitFor();

	await p.page.getByRole('button', { name: 'Members' }).click();
	const panel = p.page.getByRole('complementary', { name: 'Members' });
	await panel.getByRole('button', { name: 'Ignore noisy' }).click();
	const placeholder = p.page.getByRole('button', { name: /Message ignored/ });
	await placeholder.waitFor();
	expect(await p.page.getByText('loud words').count()).toBe(0);
	await panel.getByRole('button', { name: 'Unignore noisy' }).waitFor();

	// A click shows the message once.
	await placeholder.click();
	await message(p, 'loud words').waitFor();

	await panel.getByRole('button', { name: 'Unignore noisy' }).click();
	await panel.getByRole('button', { name: 'Ignore noisy' }).waitFor();
	await message(p, 'loud words').waitFor();
	expect(await p.page.getByRole('button', { name: /Message ignored/ }).count()).toBe(0);
	noPageErrors(p);
});
