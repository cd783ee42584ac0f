import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { ADMIN, Api, closeBrowser, newPerson, noPageErrors, Server, signIn, type Person } from './harness';

// Web Push from the web client to a real push service: web-push-testing
// (the scripts/peers.sh peer the Go tests use) hands out the subscription,
// checks the server's VAPID signature and decrypts each push. Headless
// chromium has no push service of its own (pushManager.subscribe needs
// Google's), so the page's PushManager answers with the subscription
// web-push-testing handed out for the key the client asked with; everything
// else is real: the preference, push.info, push.token, the server's
// encrypted push, and the service worker (/sw.js) showing the decrypted
// payload as a notification (delivered to it through the DevTools
// protocol, as a push service would).

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function freePort(): Promise<number> {
	return new Promise((res, rej) => {
		const s = createServer();
		s.listen(0, '127.0.0.1', () => {
			const a = s.address();
			s.close(() => (typeof a === 'object' && a ? res(a.port) : rej(new Error('no port'))));
		});
	});
}

type PushSub = { endpoint: string; keys: { p256dh: string; auth: string }; clientHash: string };

describe('Web Push', () => {
	let server: Server;
	let pushService: ChildProcess | undefined;
	let pushBase = '';
	let admin: Api;
	let bobApi: Api;
	let p: Person;
	let sub: PushSub;

	async function push<T>(path: string, body: unknown): Promise<T> {
		const res = await fetch(`${pushBase}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
		if (!res.ok) throw new Error(`${path}: ${res.status}`);
		return (await res.json()) as T;
	}

	beforeAll(async () => {
		const bin = execFileSync(join(repo, 'scripts', 'peers.sh'), ['web-push-testing'], { encoding: 'utf8' }).trim().split('\n').pop()!;
		const port = await freePort();
		pushBase = `http://127.0.0.1:${port}`;
		pushService = spawn(bin, [String(port)], { stdio: 'ignore' });
		for (let i = 0; ; i++) {
			try {
				await fetch(`${pushBase}/`);
				break;
			} catch {
				if (i > 300) throw new Error('web-push-testing did not start');
				await new Promise((r) => setTimeout(r, 100));
			}
		}
		server = new Server({ OVERWRITE_SETTING_Push_enable: 'false' });
		await server.start();
		admin = await Api.login(server.url, ADMIN.username, ADMIN.password);
		await admin.createUser('bob');
		bobApi = await Api.login(server.url, 'bob', 'bob-pass-1');
		const info = await bobApi.call<{ webPushPublicKey: string }>('GET', 'push.info');
		sub = (await push<{ data: PushSub }>('/subscribe', { userVisibleOnly: 'true', applicationServerKey: info.webPushPublicKey })).data;

		p = await newPerson(server);
		await p.context.grantPermissions(['notifications'], { origin: server.url });
		await p.context.addInitScript(
			({ s, key }) => {
				let current: unknown = null;
				const w = window as unknown as { __subscribeKey?: string };
				PushManager.prototype.getSubscription = async () => current as PushSubscription | null;
				PushManager.prototype.subscribe = async (opts?: PushSubscriptionOptionsInit) => {
					const bytes = new Uint8Array(opts!.applicationServerKey as ArrayBuffer);
					w.__subscribeKey = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
					if (w.__subscribeKey !== key) throw new DOMException('wrong key', 'InvalidAccessError');
					current = {
						endpoint: s.endpoint,
						options: { applicationServerKey: (opts!.applicationServerKey as Uint8Array).buffer, userVisibleOnly: true },
						toJSON: () => ({ endpoint: s.endpoint, expirationTime: null, keys: s.keys }),
						unsubscribe: async () => {
							current = null;
							return true;
						},
					};
					return current as PushSubscription;
				};
			},
			{ s: sub, key: info.webPushPublicKey },
		);
		await signIn(p, 'bob', 'bob-pass-1');
	}, 600_000);
	afterAll(async () => {
		await closeBrowser();
		pushService?.kill();
		await server?.destroy();
	});

	test('turning the preference on registers the subscription; a direct message arrives encrypted at the push service; the service worker shows it', async () => {
		await p.page.goto('/account/preferences');
		const registered = p.page.waitForResponse((r) => r.url().endsWith('/api/v1/push.token'));
		await p.page.getByLabel('Push notifications in this browser').click({ force: true });
		expect((await registered).status()).toBe(200);
		await expect.poll(() => p.page.getByLabel('Push notifications in this browser').isChecked()).toBe(true);

		// The server pushes at once to people who are away or offline (a connected one
		// would wait two minutes for reading first): bob closes the tab.
		await p.page.close();
		await expect
			.poll(async () => (await bobApi.call<{ presence: string }>('GET', 'users.getPresence', { userId: bobApi.userId })).presence, { timeout: 30_000 })
			.toBe('offline');
		const dm = await admin.call<{ room: { _id: string } }>('POST', 'im.create', { username: 'bob' });
		const rid = dm.room._id;
		const mid = await admin.post(rid, 'lunch?');
		let messages: string[] = [];
		await expect
			.poll(
				async () => {
					messages = (await push<{ data: { messages: string[] } }>('/get-notifications', { clientHash: sub.clientHash })).data.messages;
					return messages.length;
				},
				{ timeout: 30_000 },
			)
			.toBe(1);
		const n = JSON.parse(messages[0]!) as { title: string; body: string; tag: string; data: { rid: string; mid: string; url: string } };
		expect(n).toMatchObject({ title: ADMIN.username, body: 'lunch?', tag: rid, data: { rid, mid } });
		expect(n.data.url).toBe(`${server.url}/direct/${rid}?msg=${mid}`);

		// Back in the app (the service worker stays registered), hand the decrypted payload to it as a push.
		p.page = await p.context.newPage();
		await p.page.goto('/home');
		await p.page.getByRole('navigation', { name: 'Rooms' }).waitFor();
		const cdp = await p.context.newCDPSession(p.page);
		const registration = new Promise<string>((res) =>
			cdp.on('ServiceWorker.workerRegistrationUpdated', (e: { registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] }) => {
				const r = e.registrations.find((x) => x.scopeURL === `${server.url}/` && !x.isDeleted);
				if (r) res(r.registrationId);
			}),
		);
		await cdp.send('ServiceWorker.enable');
		const registrationId = await registration;
		await cdp.send('ServiceWorker.deliverPushMessage', { origin: server.url, registrationId, data: messages[0]! });
		const shown = () =>
			p.page.evaluate(async () => {
				const reg = await navigator.serviceWorker.ready;
				return (await reg.getNotifications()).map((x) => ({ title: x.title, body: x.body, tag: x.tag, url: (x.data as { url?: string }).url }));
			});
		await expect.poll(async () => (await shown()).length, { timeout: 15_000 }).toBe(1);
		// The service worker keeps only a path on this origin to open on a click.
		expect((await shown())[0]).toEqual({ title: ADMIN.username, body: 'lunch?', tag: rid, url: `/direct/${rid}?msg=${mid}` });
		noPageErrors(p);
	});

	test('turning it off removes the subscription from the server', async () => {
		await p.page.goto('/account/preferences');
		await expect.poll(() => p.page.getByLabel('Push notifications in this browser').isChecked()).toBe(true);
		const removed = p.page.waitForResponse((r) => r.url().endsWith('/api/v1/push.token') && r.request().method() === 'DELETE');
		await p.page.getByLabel('Push notifications in this browser').click({ force: true });
		expect((await removed).status()).toBe(200);
		const res = await fetch(`${server.url}/api/v1/push.token`, { method: 'DELETE', headers: { 'Content-Type': 'application/json', 'X-User-Id': bobApi.userId, 'X-Auth-Token': bobApi.token }, body: JSON.stringify({ token: sub.endpoint }) });
		expect(res.status).toBe(404);
	});
});
