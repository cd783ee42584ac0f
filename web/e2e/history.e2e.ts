import { afterAll, beforeAll, expect, test } from 'vitest';

import { ADMIN, Api, closeBrowser, message, newPerson, Server, signIn } from './harness';

let server: Server;
let admin: Api;
let rid = '';
beforeAll(async () => {
	server = new Server();
	await server.start();
	admin = await Api.login(server.url, ADMIN.username, ADMIN.password);
	rid = (await admin.call<{ channel: { _id: string } }>('POST', 'channels.create', { name: 'long' })).channel._id;
	for (let i = 1; i <= 130; i++) await admin.post(rid, `history ${i} end`);
});
afterAll(async () => {
	await closeBrowser();
	await server?.destroy();
});

test('scrolling up loads older pages until the start, without gaps or duplicates; "jump to latest" returns', async () => {
	const p = await newPerson(server);
	await signIn(p, ADMIN.username, ADMIN.password);
	await p.page.goto('/channel/long');
	await message(p, 'history 130 end').waitFor();
	const scroller = p.page.locator('[data-virtuoso-scroller="true"]');
	await expect
		.poll(
			async () => {
				await scroller.evaluate((el) => el.scrollTo({ top: 0 }));
				return p.page.getByText('This is the start of the conversation.').isVisible();
			},
			{ timeout: 30_000, interval: 100 },
		)
		.toBe(true);
	await message(p, 'history 1 end').waitFor();
	// Every message once, in order: walk down the list reading what is rendered.
	const seen: number[] = [];
	for (let step = 0; step < 200; step++) {
		const texts = await p.page.locator('[data-testid="message-body"]').allTextContents();
		for (const t of texts) {
			const n = Number(/history (\d+) end/.exec(t)?.[1]);
			if (n && !seen.includes(n)) seen.push(n);
		}
		if (seen.includes(130)) break;
		await scroller.evaluate((el) => el.scrollBy({ top: el.clientHeight * 0.8 }));
		await p.page.waitForTimeout(30);
	}
	expect(seen).toEqual(Array.from({ length: 130 }, (_, i) => i + 1));
	await scroller.evaluate((el) => el.scrollTo({ top: 0 }));
	await p.page.getByRole('button', { name: 'Jump to latest' }).click();
	await message(p, 'history 130 end').waitFor();
});
