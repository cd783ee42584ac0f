import { randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { ADMIN, Api, closeBrowser, message, newPerson, noPageErrors, openRoom, Server, shot, signIn, type Person } from './harness';

// Files in the web client against the real server: the attach button, paste
// and drag-and-drop all lead to the upload dialog; rooms.media +
// rooms.mediaConfirm send the file message with its description; pictures,
// audio and other files render as Rocket.Chat renders them and load through
// the rc_uid/rc_token cookies; the progress bar; the server's refusal shown;
// the room's Files panel; avatar upload; custom emoji.

/** png makes a real PNG picture of w×h pixels in one colour. */
function png(w: number, h: number, rgb: [number, number, number]): Buffer {
	const chunk = (type: string, data: Buffer) => {
		const len = Buffer.alloc(4);
		len.writeUInt32BE(data.length);
		const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
		const crc = Buffer.alloc(4);
		crc.writeUInt32BE(crc32(td) >>> 0);
		return Buffer.concat([len, td, crc]);
	};
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(w, 0);
	ihdr.writeUInt32BE(h, 4);
	ihdr[8] = 8; // bit depth
	ihdr[9] = 2; // RGB
	const row = Buffer.concat([Buffer.from([0]), Buffer.concat(Array.from({ length: w }, () => Buffer.from(rgb)))]);
	const raw = Buffer.concat(Array.from({ length: h }, () => row));
	return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** wav makes a short silent WAV file. */
function wav(samples = 8000): Buffer {
	const h = Buffer.alloc(44);
	h.write('RIFF', 0);
	h.writeUInt32LE(36 + samples * 2, 4);
	h.write('WAVE', 8);
	h.write('fmt ', 12);
	h.writeUInt32LE(16, 16);
	h.writeUInt16LE(1, 20); // PCM
	h.writeUInt16LE(1, 22); // mono
	h.writeUInt32LE(8000, 24);
	h.writeUInt32LE(16000, 28);
	h.writeUInt16LE(2, 32);
	h.writeUInt16LE(16, 34);
	h.write('data', 36);
	h.writeUInt32LE(samples * 2, 40);
	return Buffer.concat([h, Buffer.alloc(samples * 2)]);
}

describe('files in the web client', () => {
	let server: Server;
	let admin: Api;
	let a: Person; // admin
	let b: Person; // bob
	let rid: string;

	beforeAll(async () => {
		server = new Server();
		await server.start();
		admin = await Api.login(server.url, ADMIN.username, ADMIN.password);
		await admin.createUser('bob');
		const ch = await admin.call<{ channel: { _id: string } }>('POST', 'channels.create', { name: 'media', members: ['bob'] });
		rid = ch.channel._id;
		// Downloads need a signed-in member, so a picture that shows proves the cookies work.
		await admin.call('POST', 'settings/FileUpload_ProtectFiles', { value: true });
		a = await newPerson(server);
		b = await newPerson(server);
		await signIn(a, ADMIN.username, ADMIN.password);
		await signIn(b, 'bob', 'bob-pass-1');
		await openRoom(a, 'media');
		await openRoom(b, 'media');
	});
	afterAll(async () => {
		await closeBrowser();
		await server?.destroy();
	});

	async function loaded(p: Person, img: ReturnType<Person['page']['locator']>) {
		await img.waitFor();
		await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
	}

	test('the attach button uploads a picture with a description; the other member sees it live and opens it large', async () => {
		await a.page.getByTestId('file-input').first().setInputFiles({ name: 'red.png', mimeType: 'image/png', buffer: png(800, 400, [220, 30, 30]) });
		const dialog = a.page.getByRole('dialog', { name: 'Upload file' });
		await dialog.waitFor();
		await expect.poll(() => dialog.locator('img.lo-upload-preview').count()).toBe(1);
		await dialog.getByLabel('File description').fill('a *red* square');
		await shot(a.page, 'upload-dialog-light-desktop');
		const media = a.page.waitForResponse((r) => r.url().includes('/api/v1/rooms.media/'));
		const confirm = a.page.waitForResponse((r) => r.url().includes('/api/v1/rooms.mediaConfirm/'));
		await dialog.getByRole('button', { name: 'Send' }).click();
		expect((await media).status()).toBe(200);
		expect((await confirm).status()).toBe(200);

		const seen = message(b, 'red').filter({ has: b.page.locator('[data-kind="image"]') });
		await seen.waitFor();
		await expect.poll(() => seen.locator('strong').first().textContent()).toBe('red');
		const thumb = seen.locator('.lo-file-image img');
		await loaded(b, thumb);
		expect(await thumb.getAttribute('src')).toMatch(/^\/file-upload\/[^/]+\/red\.png$/);
		await seen.getByRole('button', { name: 'Open image red.png' }).click();
		const box = b.page.getByRole('dialog', { name: 'red.png' });
		await loaded(b, box.locator('img'));
		await shot(b.page, 'image-lightbox-light-desktop');
		await b.page.keyboard.press('Escape');
		await box.waitFor({ state: 'detached' });
		// Signed out, the same picture is refused (FileUpload_ProtectFiles).
		const anon = await fetch(`${server.url}${await thumb.getAttribute('src')}`);
		expect(anon.status).toBe(403);
	});

	test('a pasted file and a dropped file go through the same dialog', async () => {
		await a.page.getByTestId('composer').focus();
		await a.page.getByTestId('composer').evaluate((el) => {
			const dt = new DataTransfer();
			dt.items.add(new File(['pasted text\n'], 'pasted.txt', { type: 'text/plain' }));
			el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
		});
		let dialog = a.page.getByRole('dialog', { name: 'Upload file' });
		await expect.poll(() => dialog.getByLabel('File name').inputValue()).toBe('pasted.txt');
		await dialog.getByRole('button', { name: 'Send' }).click();
		const card = message(b, 'pasted.txt').locator('.lo-file-card');
		await card.waitFor();
		expect(await card.textContent()).toContain('TXT');

		const dt = await a.page.evaluateHandle(() => {
			const d = new DataTransfer();
			d.items.add(new File([new Uint8Array([1, 2, 3])], 'dropped.bin', { type: 'application/octet-stream' }));
			return d;
		});
		const column = a.page.locator('.lo-room-column');
		await column.dispatchEvent('dragenter', { dataTransfer: dt });
		await a.page.getByText('Drop to upload').waitFor();
		await column.dispatchEvent('drop', { dataTransfer: dt });
		dialog = a.page.getByRole('dialog', { name: 'Upload file' });
		await expect.poll(() => dialog.getByLabel('File name').inputValue()).toBe('dropped.bin');
		await dialog.getByLabel('File name').fill('renamed.bin');
		await dialog.getByRole('button', { name: 'Send' }).click();
		const dropped = message(b, 'renamed.bin').locator('.lo-file-card');
		await dropped.waitFor();
		// The download link works for the member, with the cookies the client set.
		const href = await dropped.getAttribute('href');
		const body = await b.page.evaluate(async (u) => Array.from(new Uint8Array(await (await fetch(u!)).arrayBuffer())), href);
		expect(body).toEqual([1, 2, 3]);
	});

	test('audio gets a player; the upload shows its progress; a refused upload says why', async () => {
		// Hold the upload so its progress bar can be seen.
		let release!: () => void;
		const held = new Promise<void>((r) => (release = r));
		await a.page.route('**/api/v1/rooms.media/**', async (route) => {
			await held;
			await route.continue();
		});
		await a.page.getByTestId('file-input').first().setInputFiles({ name: 'beep.wav', mimeType: 'audio/wav', buffer: wav() });
		await a.page.getByRole('dialog', { name: 'Upload file' }).getByRole('button', { name: 'Send' }).click();
		const bar = a.page.getByRole('progressbar', { name: 'Uploading beep.wav' });
		await bar.waitFor();
		await shot(a.page, 'upload-progress-light-desktop');
		release();
		await bar.waitFor({ state: 'detached' });
		await a.page.unroute('**/api/v1/rooms.media/**');
		const audio = message(b, 'beep.wav').locator('audio');
		await audio.waitFor();
		expect(await audio.getAttribute('src')).toMatch(/^\/file-upload\/.+\/beep\.wav$/);

		await admin.call('POST', 'settings/FileUpload_MaxFileSize', { value: 1000 });
		try {
			await a.page.getByTestId('file-input').first().setInputFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: randomBytes(5000) });
			await a.page.getByRole('dialog', { name: 'Upload file' }).getByRole('button', { name: 'Send' }).click();
			const failed = a.page.locator('.lo-upload.is-failed');
			await failed.waitFor();
			expect(await failed.textContent()).toContain('too large');
			await a.page.getByRole('button', { name: 'Dismiss big.bin' }).click();
			await failed.waitFor({ state: 'detached' });
		} finally {
			await admin.call('POST', 'settings/FileUpload_MaxFileSize', { value: 104857600 });
		}
	});

	test('the Files panel lists the room\'s files, newest first, searchable', async () => {
		await b.page.getByRole('button', { name: 'Files' }).click();
		const list = b.page.getByRole('list', { name: 'Files' });
		await list.getByRole('listitem').nth(3).waitFor();
		expect(await list.getByRole('listitem').count()).toBe(4);
		expect(await list.getByRole('listitem').first().textContent()).toContain('beep.wav');
		await loaded(b, list.locator('img').first());
		await shot(b.page, 'files-panel-light-desktop');
		await b.page.getByLabel('Search files').fill('renamed');
		await expect.poll(() => list.getByRole('listitem').count()).toBe(1);
		await b.page.getByLabel('Search files').fill('');
		await b.page.keyboard.press('Escape');
	});

	test('avatar upload in the profile', async () => {
		await a.page.goto('/account/profile');
		const set = a.page.waitForResponse((r) => r.url().endsWith('/api/v1/users.setAvatar'));
		await a.page.getByTestId('avatar-input').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: png(200, 200, [20, 120, 220]) });
		expect((await set).status()).toBe(200);
		await a.page.getByRole('button', { name: 'Reset avatar' }).waitFor();
		const res = await fetch(`${server.url}/avatar/${ADMIN.username}`);
		expect(res.headers.get('content-type')).toMatch(/^image\/png/);
		await shot(a.page, 'profile-avatar-light-desktop');
		await a.page.getByRole('button', { name: 'Reset avatar' }).click();
		await a.page.getByRole('button', { name: 'Reset avatar' }).waitFor({ state: 'detached' });
		const after = await fetch(`${server.url}/avatar/${ADMIN.username}`);
		expect(after.headers.get('content-type')).toMatch(/^image\/svg/);
	});

	test('custom emoji render as their picture, also when added while the page is open', async () => {
		const form = new FormData();
		form.append('emoji', new Blob([new Uint8Array(png(32, 32, [250, 200, 0]))], { type: 'image/png' }), 'parrot.png');
		form.append('name', 'parrot');
		form.append('aliases', 'party');
		const res = await fetch(`${server.url}/api/v1/emoji-custom.create`, { method: 'POST', headers: { 'X-User-Id': admin.userId, 'X-Auth-Token': admin.token }, body: form });
		expect(res.status).toBe(200);
		await admin.post(rid, 'look :parrot: and :party:');
		const m = message(b, 'look');
		await m.waitFor();
		const imgs = m.locator('img.lo-emoji-custom');
		await expect.poll(() => imgs.count()).toBe(2);
		await loaded(b, imgs.first());
		// The picker offers it too.
		await b.page.getByRole('button', { name: 'Insert emoji' }).click();
		await b.page.getByRole('dialog', { name: 'Emoji picker' }).getByLabel('Search emoji').fill('parr');
		await b.page.getByRole('dialog', { name: 'Emoji picker' }).getByRole('button', { name: ':parrot:' }).first().click();
		await expect.poll(() => b.page.getByTestId('composer').inputValue()).toContain(':parrot:');
		noPageErrors(a);
		noPageErrors(b);
	});

	test('screenshots, dark: the room with its files and the Files panel', async () => {
		const d = await newPerson(server, { theme: 'dark', colorScheme: 'dark' });
		await signIn(d, 'bob', 'bob-pass-1');
		await d.page.goto('/channel/media/files');
		const list = d.page.getByRole('list', { name: 'Files' });
		await list.getByRole('listitem').nth(3).waitFor();
		expect(await list.getByRole('listitem').count()).toBe(4);
		await loaded(d, list.locator('img').first());
		await shot(d.page, 'files-panel-dark-desktop');
		await d.page.locator('.lo-file-image').first().click();
		await loaded(d, d.page.getByRole('dialog', { name: 'red.png' }).locator('img'));
		await shot(d.page, 'image-lightbox-dark-desktop');
		noPageErrors(d);
	});
});
