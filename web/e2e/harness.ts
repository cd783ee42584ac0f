import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';

// The browser tests' tools: a real liftoff server on a free loopback port
// with its own data directory (restartable), Debian's chromium driven by
// playwright-core, a small REST client for setting up data, and the steps a
// person takes in the UI (sign in, open a room, send a message).

export const ADMIN = { username: 'admin', password: 'admin-pass-1' };
export const screenshotsDir = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = createServer();
		srv.listen(0, '127.0.0.1', () => {
			const addr = srv.address();
			srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
		});
		srv.on('error', reject);
	});
}

export class Server {
	url = '';
	port = 0;
	logs = '';
	private proc?: ChildProcess;
	readonly dataDir: string;
	private env: Record<string, string>;

	constructor(env: Record<string, string> = {}) {
		this.dataDir = mkdtempSync(join(tmpdir(), 'liftoff-e2e-'));
		this.env = env;
	}

	async start(): Promise<void> {
		for (let attempt = 0; attempt < 5; attempt++) {
			this.port = this.port || (await freePort());
			this.url = `http://127.0.0.1:${this.port}`;
			this.logs = '';
			const proc = spawn(inject('liftoffBin'), ['serve'], {
				env: {
					...process.env,
					PORT: String(this.port),
					LIFTOFF_BIND: '127.0.0.1',
					LIFTOFF_DATA_DIR: this.dataDir,
					ROOT_URL: this.url,
					LIFTOFF_BCRYPT_COST: '4',
					LIFTOFF_SQLITE_SYNCHRONOUS: 'NORMAL',
					OVERWRITE_SETTING_API_Enable_Rate_Limiter: 'false',
					ADMIN_USERNAME: ADMIN.username,
					ADMIN_PASS: ADMIN.password,
					ADMIN_EMAIL: 'admin@example.org',
					ADMIN_NAME: 'Administrator',
					...this.env,
				},
				stdio: ['ignore', 'pipe', 'pipe'],
			});
			proc.stdout?.on('data', (d: Buffer) => (this.logs += d.toString()));
			proc.stderr?.on('data', (d: Buffer) => (this.logs += d.toString()));
			this.proc = proc;
			const ok = await this.waitReady(proc);
			if (ok) return;
			if (this.logs.includes('address already in use')) {
				this.port = 0;
				continue;
			}
			throw new Error(`server did not start:\n${this.logs}`);
		}
		throw new Error('no free port for the server');
	}

	private async waitReady(proc: ChildProcess): Promise<boolean> {
		const deadline = Date.now() + 30_000;
		while (Date.now() < deadline) {
			if (proc.exitCode !== null) return false;
			try {
				const res = await fetch(`${this.url}/readyz`);
				if (res.ok) return true;
			} catch {
				// not listening yet
			}
			await new Promise((r) => setTimeout(r, 25));
		}
		return false;
	}

	async stop(): Promise<void> {
		const p = this.proc;
		if (!p || p.exitCode !== null) return;
		const done = new Promise<void>((r) => p.once('exit', () => r()));
		p.kill('SIGTERM');
		const timer = setTimeout(() => p.kill('SIGKILL'), 10_000);
		await done;
		clearTimeout(timer);
	}

	/** restart stops the process and starts it again on the same port and data. */
	async restart(): Promise<void> {
		await this.stop();
		await this.start();
	}

	async destroy(): Promise<void> {
		await this.stop();
		rmSync(this.dataDir, { recursive: true, force: true });
	}
}

/** Api is a REST client for test set-up, signed in as one user. */
export class Api {
	constructor(
		readonly url: string,
		readonly userId: string,
		readonly token: string,
	) {}

	static async login(url: string, user: string, password: string): Promise<Api> {
		const res = await fetch(`${url}/api/v1/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user, password }) });
		const body = (await res.json()) as { data?: { userId: string; authToken: string } };
		if (!res.ok || !body.data) throw new Error(`login ${user}: ${res.status} ${JSON.stringify(body)}`);
		return new Api(url, body.data.userId, body.data.authToken);
	}

	async call<T = Record<string, unknown>>(method: 'GET' | 'POST', endpoint: string, body?: Record<string, unknown>): Promise<T> {
		let target = `${this.url}/api/v1/${endpoint}`;
		if (method === 'GET' && body) target += `?${new URLSearchParams(Object.entries(body).map(([k, v]) => [k, String(v)]))}`;
		const res = await fetch(target, {
			method,
			headers: { 'X-User-Id': this.userId, 'X-Auth-Token': this.token, 'Content-Type': 'application/json' },
			body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
		});
		const json = (await res.json()) as T;
		if (!res.ok) throw new Error(`${method} ${endpoint}: ${res.status} ${JSON.stringify(json)}`);
		return json;
	}

	async createUser(username: string, password = `${username}-pass-1`, extra: Record<string, unknown> = {}) {
		await this.call('POST', 'users.create', { username, password, email: `${username}@example.org`, name: username[0]!.toUpperCase() + username.slice(1), verified: true, ...extra });
		return { username, password };
	}

	async post(roomId: string, text: string, extra: Record<string, unknown> = {}) {
		const a = await this.call<{ message: { _id: string } }>('POST', 'chat.postMessage', { roomId, text, ...extra });
		return a.message._id;
	}

	async roomId(name: string): Promise<string> {
		const a = await this.call<{ room: { _id: string } }>('GET', 'rooms.info', { roomName: name });
		return a.room._id;
	}
}

let browser: Browser | undefined;

export async function launch(): Promise<Browser> {
	browser ??= await chromium.launch({
		executablePath: inject('chromiumPath'),
		headless: true,
		args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
	});
	return browser;
}

export async function closeBrowser() {
	await browser?.close();
	browser = undefined;
}

export type Person = { context: BrowserContext; page: Page; errors: string[] };

/** newPerson opens a fresh browser context (its own storage: a different person) at the app. */
export async function newPerson(server: Server, opts: { width?: number; height?: number; colorScheme?: 'light' | 'dark'; theme?: 'light' | 'dark' } = {}): Promise<Person> {
	const b = await launch();
	const context = await b.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 }, colorScheme: opts.colorScheme ?? 'light', baseURL: server.url });
	if (opts.theme) await context.addInitScript((t) => localStorage.setItem('liftoff.theme', t), opts.theme);
	const page = await context.newPage();
	const errors: string[] = [];
	page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
	page.on('console', (m) => {
		if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(`console: ${m.text()}`);
	});
	page.on('dialog', (d) => void d.accept());
	return { context, page, errors };
}

export async function signIn(p: Person, user: string, password: string) {
	await p.page.goto('/login');
	await p.page.getByLabel('Username or e-mail').fill(user);
	await p.page.getByLabel('Password', { exact: true }).fill(password);
	await p.page.getByRole('button', { name: 'Sign in' }).click();
	await p.page.getByRole('navigation', { name: 'Rooms' }).waitFor();
}

export async function openRoom(p: Person, name: string) {
	await p.page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: new RegExp(`^${name}(,|$)`) }).click();
	await p.page.getByRole('heading', { level: 1, name: new RegExp(name) }).waitFor();
}

export async function send(p: Person, text: string, composer = 'composer') {
	const box = p.page.getByTestId(composer);
	await box.fill(text);
	await box.press('Enter');
}

/** message finds a rendered message (not a pending one) by its text. */
export function message(p: Person, text: string | RegExp) {
	return p.page.locator('[data-testid="message"]:not([aria-busy])').filter({ hasText: text });
}

export async function shot(page: Page, name: string) {
	mkdirSync(screenshotsDir, { recursive: true });
	await page.screenshot({ path: join(screenshotsDir, `${name}.png`) });
}

export function noPageErrors(p: Person) {
	expect(p.errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|net::/.test(e))).toEqual([]);
}
