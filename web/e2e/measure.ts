import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, test } from 'vitest';

import { ADMIN, Api, closeBrowser, launch, Server, signIn, newPerson } from './harness';

// The web client's performance figures for docs/performance.md (not a test:
// it asserts nothing and prints what it measured). Run with
// `npm run measure` after `npm run build`; RUNS=5 repeats each measure.

const RUNS = Number(process.env.RUNS ?? 3);
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'webui', 'dist');

let server: Server;
let admin: Api;
let rid50 = '';
let rid5k = '';

function median(xs: number[]): number {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)] ?? 0;
}

async function postMany(rid: string, n: number) {
	let next = 0;
	await Promise.all(
		Array.from({ length: 8 }, async () => {
			while (next < n) {
				const i = next++;
				await admin.post(rid, `message ${i + 1} of ${n}: some **text** with a link https://example.org/${i} and :smile:`);
			}
		}),
	);
}

beforeAll(async () => {
	server = new Server();
	await server.start();
	admin = await Api.login(server.url, ADMIN.username, ADMIN.password);
	rid50 = (await admin.call<{ channel: { _id: string } }>('POST', 'channels.create', { name: 'fifty' })).channel._id;
	rid5k = (await admin.call<{ channel: { _id: string } }>('POST', 'channels.create', { name: 'fivethousand' })).channel._id;
	await postMany(rid50, 50);
	await postMany(rid5k, 5000);
}, 600_000);

afterAll(async () => {
	await closeBrowser();
	await server?.destroy();
});

test('first load: transfer size and time to interactive', async () => {
	const sizes: { name: string; transfer: number; gzip: number }[] = [];
	const tti: number[] = [];
	const ttiSignedIn: number[] = [];
	for (let i = 0; i < RUNS; i++) {
		const b = await launch();
		const ctx = await b.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 } });
		const page = await ctx.newPage();
		const cdp = await ctx.newCDPSession(page);
		await cdp.send('Network.enable');
		await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
		const responses = new Map<string, string>();
		let transfer = 0;
		cdp.on('Network.responseReceived', (e) => responses.set(e.requestId, e.response.url));
		cdp.on('Network.loadingFinished', (e) => {
			transfer += e.encodedDataLength;
		});
		await page.goto('/login');
		await page.getByLabel('Username or e-mail').waitFor();
		tti.push(await page.evaluate(() => performance.now()));
		await page.waitForLoadState('networkidle');
		if (i === 0) {
			for (const url of responses.values()) {
				const path = new URL(url).pathname;
				const file = path === '/login' ? 'index.html' : path.slice(1);
				const full = join(dist, file);
				const gz = existsSync(`${full}.gz`) ? readFileSync(`${full}.gz`).length : existsSync(full) ? readFileSync(full).length : 0;
				if (gz) sizes.push({ name: file, transfer: 0, gzip: gz });
			}
			console.log(`first load of /login: ${(transfer / 1024).toFixed(1)} KiB transferred (Brotli, as Chromium asks), ${(sizes.reduce((a, s) => a + s.gzip, 0) / 1024).toFixed(1)} KiB with gzip`);
			for (const s of sizes) console.log(`  ${s.name}: ${(s.gzip / 1024).toFixed(1)} KiB gzip`);
		}
		// Signed in: a reload resumes the session and shows the rooms.
		await page.getByLabel('Username or e-mail').fill(ADMIN.username);
		await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: /^general/ }).waitFor();
		await page.goto('/home');
		await page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: /^general/ }).waitFor();
		ttiSignedIn.push(await page.evaluate(() => performance.now()));
		await ctx.close();
	}
	console.log(`time to interactive, sign-in form: median ${median(tti).toFixed(0)} ms of ${RUNS} (${tti.map((x) => x.toFixed(0)).join(', ')})`);
	console.log(`time to interactive, signed in (resume + rooms listed): median ${median(ttiSignedIn).toFixed(0)} ms of ${RUNS} (${ttiSignedIn.map((x) => x.toFixed(0)).join(', ')})`);
});

test('opening a room with 50 messages', async () => {
	const times: number[] = [];
	for (let i = 0; i < RUNS; i++) {
		const p = await newPerson(server);
		await signIn(p, ADMIN.username, ADMIN.password);
		await p.page.goto('/home');
		await p.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: /^fifty/ }).waitFor();
		const ms = await p.page.evaluate(
			() =>
				new Promise<number>((resolve) => {
					const link = document.querySelector<HTMLAnchorElement>('a[href="/channel/fifty"]');
					const start = performance.now();
					const obs = new MutationObserver(() => {
						const found = [...document.querySelectorAll('[data-testid="message-body"]')].some((el) => el.textContent?.includes('message 50 of 50'));
						if (found) {
							obs.disconnect();
							requestAnimationFrame(() => resolve(performance.now() - start));
						}
					});
					obs.observe(document.body, { childList: true, subtree: true, characterData: true });
					link?.click();
				}),
		);
		times.push(ms);
		await p.context.close();
	}
	console.log(`open a room with 50 messages (click to the newest one painted): median ${median(times).toFixed(0)} ms of ${RUNS} (${times.map((x) => x.toFixed(0)).join(', ')})`);
});

test('tab memory after scrolling through 5,000 messages', async () => {
	const p = await newPerson(server);
	await signIn(p, ADMIN.username, ADMIN.password);
	const cdp = await p.context.newCDPSession(p.page);
	await p.page.goto('/channel/fivethousand');
	await p.page.locator('[data-testid="message-body"]', { hasText: 'message 5000 of 5000' }).waitFor();
	await cdp.send('HeapProfiler.collectGarbage');
	const before = (await cdp.send('Runtime.getHeapUsage')).usedSize;
	const scroller = p.page.locator('.lo-virtuoso [data-virtuoso-scroller="true"], .lo-virtuoso').first();
	const started = Date.now();
	while (!(await p.page.getByText('This is the start of the conversation.').isVisible())) {
		await scroller.evaluate((el) => el.scrollTo({ top: 0 }));
		await p.page.waitForTimeout(50);
		if (Date.now() - started > 300_000) throw new Error('did not reach the start');
	}
	const seconds = (Date.now() - started) / 1000;
	await p.page.getByText('message 1 of 5000:').waitFor();
	await cdp.send('HeapProfiler.collectGarbage');
	const after = (await cdp.send('Runtime.getHeapUsage')).usedSize;
	const metrics = await cdp.send('Performance.enable').then(() => cdp.send('Performance.getMetrics'));
	const nodes = metrics.metrics.find((m) => m.name === 'Nodes')?.value ?? 0;
	const rendered = await p.page.locator('[data-testid="message"]').count();
	console.log(`scrolled from the newest to the first of 5,000 messages in ${seconds.toFixed(1)} s (pages of 50)`);
	console.log(`JS heap after GC: ${(before / 1048576).toFixed(1)} MiB with the newest page, ${(after / 1048576).toFixed(1)} MiB with all 5,000 loaded; DOM nodes ${nodes}, message elements in the DOM ${rendered}`);
	await p.context.close();
});
