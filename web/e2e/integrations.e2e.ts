import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { ADMIN, Api, closeBrowser, message, newPerson, noPageErrors, openRoom, send, Server, shot, signIn, type Person } from './harness';

// Administration > Integrations against the real server: an incoming
// webhook created in the page shows its URL, which posts into the room, and
// once disabled answers 503; an outgoing webhook created in the page calls a
// receiver on a trigger word, its answer is posted back, and its history
// lists the call.

describe('integrations administration', () => {
	let server: Server;
	let p: Person;
	let receiver: HttpServer;
	let receiverUrl = '';
	const received: Record<string, unknown>[] = [];

	beforeAll(async () => {
		receiver = createServer((req: IncomingMessage, res) => {
			let body = '';
			req.on('data', (c: Buffer) => (body += c.toString()));
			req.on('end', () => {
				received.push(JSON.parse(body) as Record<string, unknown>);
				res.writeHead(200, { 'Content-Type': 'application/json' });
				res.end(JSON.stringify({ text: 'On it: the site is deploying' }));
			});
		});
		await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
		const addr = receiver.address();
		receiverUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/hook`;
		server = new Server();
		await server.start();
		const admin = await Api.login(server.url, ADMIN.username, ADMIN.password);
		await admin.call('POST', 'settings/Liftoff_Outbound_AllowList', { value: '127.0.0.1' });
		p = await newPerson(server);
		await signIn(p, ADMIN.username, ADMIN.password);
	});
	afterAll(async () => {
		await closeBrowser();
		await server?.destroy();
		receiver?.close();
	});

	test('an incoming webhook: created in the page, its URL posts into the room; disabled, it answers 503', async () => {
		await p.page.goto('/admin/integrations');
		await p.page.getByRole('button', { name: 'New incoming webhook' }).click();
		const form = p.page.getByRole('form', { name: 'Incoming webhook' });
		await form.getByLabel('Name').fill('CI');
		await form.getByLabel('Post to channel').fill('#general');
		await form.getByLabel('Post as').fill(ADMIN.username);
		await form.getByRole('button', { name: 'Save' }).click();
		const url = (await p.page.getByTestId('hook-url').textContent())!.trim();
		expect(url).toMatch(new RegExp(`^${server.url}/hooks/[^/]+/[^/]+$`));
		await shot(p.page, 'admin-integration-light-desktop');

		const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: 'Build *passed*' }) });
		expect(res.status).toBe(200);
		await p.page.goto('/channel/general');
		await message(p, 'Build passed').waitFor();

		await p.page.goto('/admin/integrations');
		await p.page.getByRole('table', { name: 'Integrations' }).getByRole('row', { name: /CI/ }).getByRole('button', { name: 'Edit' }).click();
		await p.page.getByLabel('Enabled', { exact: true }).click({ force: true });
		const saved = p.page.waitForResponse((r) => r.url().endsWith('/api/v1/integrations.update'));
		await p.page.getByRole('button', { name: 'Save' }).click();
		expect((await saved).status()).toBe(200);
		const off = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: 'ignored' }) });
		expect(off.status).toBe(503);
		await p.page.getByRole('button', { name: 'Back' }).click();
		await expect.poll(() => p.page.getByRole('row', { name: /CI/ }).textContent()).toContain('disabled');
	});

	test('an outgoing webhook: a trigger word calls the receiver, its answer is posted, the history shows the call', async () => {
		await p.page.goto('/admin/integrations');
		await p.page.getByRole('button', { name: 'New outgoing webhook' }).click();
		const form = p.page.getByRole('form', { name: 'Outgoing webhook' });
		await form.getByLabel('Name').fill('Deployer');
		await form.getByLabel('Channel', { exact: true }).fill('#general');
		await form.getByLabel('Post as').fill(ADMIN.username);
		await form.getByLabel('URLs').fill(receiverUrl);
		await form.getByLabel('Trigger words').fill('deploy');
		await form.getByLabel('Token').fill('secret-token-1');
		const created = p.page.waitForResponse((r) => r.url().endsWith('/api/v1/integrations.create'));
		await form.getByRole('button', { name: 'Save' }).click();
		expect((await created).status()).toBe(200);

		await p.page.goto('/channel/general');
		await openRoom(p, 'general');
		await send(p, 'deploy the site');
		await expect.poll(() => received.length, { timeout: 20_000 }).toBe(1);
		expect(received[0]).toMatchObject({ token: 'secret-token-1', channel_name: 'general', text: 'deploy the site', trigger_word: 'deploy', user_name: ADMIN.username });
		await message(p, 'On it: the site is deploying').waitFor();

		await p.page.goto('/admin/integrations');
		await p.page.getByRole('row', { name: /Deployer/ }).getByRole('button', { name: 'History' }).click();
		const calls = p.page.getByRole('list', { name: 'Calls' });
		await expect.poll(() => calls.getByRole('listitem').count()).toBeGreaterThan(0);
		const entry = await calls.getByRole('listitem').first().textContent();
		expect(entry).toContain('url-response-sent-message');
		expect(entry).toContain('deploy the site');
		expect(entry).toContain('"statusCode":200');
		await shot(p.page, 'admin-integration-history-light-desktop');
		noPageErrors(p);
	});

	test('the directory renders a channel topic\'s markdown', async () => {
		const admin = await Api.login(server.url, ADMIN.username, ADMIN.password);
		await admin.call('POST', 'channels.setTopic', { roomId: await admin.roomId('general'), topic: 'Talk about *anything* <b>here</b>' });
		await p.page.goto('/directory/channels');
		const topic = p.page.locator('.lo-dir-topic').filter({ hasText: 'Talk about' });
		await topic.waitFor();
		expect(await topic.locator('strong').textContent()).toBe('anything');
		expect(await topic.locator('b').count()).toBe(0);
		expect(await topic.textContent()).toContain('<b>here</b>');
	});
});
