import { afterAll, beforeAll, expect, test } from 'vitest';

import { ADMIN, Api, closeBrowser, message, newPerson, noPageErrors, openRoom, send, Server, signIn } from './harness';

let server: Server;
beforeAll(async () => {
	server = new Server();
	await server.start();
});
afterAll(async () => {
	await closeBrowser();
	await server?.destroy();
});

test('the client recovers after the server restarts, and catches up on what it missed', async () => {
	const p = await newPerson(server);
	await signIn(p, ADMIN.username, ADMIN.password);
	await openRoom(p, 'general');
	await send(p, 'before the restart');
	await message(p, 'before the restart').waitFor();

	await server.stop();
	await p.page.getByTestId('connection-banner').waitFor();

	// While the browser is cut off: the server comes back and others post.
	await server.start();
	const api = await Api.login(server.url, ADMIN.username, ADMIN.password);
	const rid = await api.roomId('general');
	await api.post(rid, 'posted while you were away');

	await expect.poll(() => p.page.getByTestId('connection-banner').count(), { timeout: 30_000 }).toBe(0);
	await message(p, 'posted while you were away').waitFor();
	// Live again after the resume.
	await api.post(rid, 'live after the restart');
	await message(p, 'live after the restart').waitFor();
	await send(p, 'my own after the restart');
	await message(p, 'my own after the restart').waitFor();
	expect(await message(p, 'posted while you were away').count()).toBe(1);
	expect(await message(p, 'before the restart').count()).toBe(1);
	noPageErrors(p);
});
