// @vitest-environment jsdom
import { cleanup, fireEvent, render } from '@testing-library/react';
import { afterEach, describe, expect, test } from 'vitest';

import type { Attachment, Message } from '../../chat/types';
import { applyEmojiEvent, customEmojiStore, type CustomEmoji } from '../../markup/customEmoji';
import { Markup } from '../../markup/Markup';
import { FileAttachment, fileKind, fileUrl, ImageAttachment } from './Attachments';
import { filesEndpoint } from './FilesPanel';
import { formatSize, pastedName, percent } from './upload';

afterEach(cleanup);

const msg = { _id: 'm1', rid: 'r1', msg: '', ts: 0, updatedAt: 0, u: { _id: 'u1', username: 'ann' } } as Message;

describe('file attachments', () => {
	test('the kind follows the URLs the server put in the attachment', () => {
		expect(fileKind({ type: 'file', title_link: '/file-upload/f1/a.png', image_url: '/file-upload/t1/thumb-a.png' })).toBe('image');
		expect(fileKind({ type: 'file', title_link: '/file-upload/f1/a.mp3', audio_url: '/file-upload/f1/a.mp3' })).toBe('audio');
		expect(fileKind({ type: 'file', title_link: '/file-upload/f1/a.mp4', video_url: '/file-upload/f1/a.mp4' })).toBe('video');
		expect(fileKind({ type: 'file', title_link: '/file-upload/f1/a.pdf', format: 'pdf' })).toBe('file');
		// a quote (no file URL) is left to the quote renderer
		expect(fileKind({ text: 'quoted', message_link: 'http://x/y?msg=1' })).toBeUndefined();
	});

	test('only the server\'s own paths and http(s) URLs are used', () => {
		expect(fileUrl('/file-upload/f1/a.png')).toBe('/file-upload/f1/a.png');
		expect(fileUrl('https://cdn.example.org/a.png')).toBe('https://cdn.example.org/a.png');
		expect(fileUrl('javascript:alert(1)')).toBeUndefined();
		expect(fileUrl('//evil.example.org/a.png')).toBeUndefined();
		expect(fileUrl('data:text/html,<b>')).toBeUndefined();
		expect(fileKind({ type: 'file', title_link: 'javascript:alert(1)' })).toBeUndefined();
	});

	test('an image shows its thumbnail scaled into 368×368 and opens the full picture', () => {
		const a: Attachment = { type: 'file', title: 'cat.png', title_link: '/file-upload/f1/cat.png', image_url: '/file-upload/t1/thumb-cat.png', image_dimensions: { width: 736, height: 368 }, image_size: 2048, description: 'a *cat*' };
		const { container, getByRole } = render(<ImageAttachment attachment={a} message={msg} />);
		const img = container.querySelector('img')!;
		expect(img.getAttribute('src')).toBe('/file-upload/t1/thumb-cat.png');
		expect(img.getAttribute('width')).toBe('368');
		expect(img.getAttribute('height')).toBe('184');
		expect(container.querySelector('strong')?.textContent).toBe('cat');
		expect(container.textContent).toContain('2.0 KB');
		fireEvent.click(getByRole('button', { name: 'Open image cat.png' }));
		const box = getByRole('dialog', { name: 'cat.png' });
		expect(box.querySelector('img')?.getAttribute('src')).toBe('/file-upload/f1/cat.png');
		fireEvent.keyDown(window, { key: 'Escape' });
		expect(container.ownerDocument.querySelector('[role="dialog"]')).toBeNull();
	});

	test('another file is a card with its format, size and a download link', () => {
		const a: Attachment = { type: 'file', title: 'report.pdf', title_link: '/file-upload/f2/report.pdf', format: 'pdf', size: 3 * 1024 * 1024 };
		const { container } = render(<FileAttachment attachment={a} message={msg} />);
		const link = container.querySelector('a')!;
		expect(link.getAttribute('href')).toBe('/file-upload/f2/report.pdf?download');
		expect(link.textContent).toContain('report.pdf');
		expect(link.textContent).toContain('PDF · 3.0 MB');
	});

	test('the files list endpoint follows the room type', () => {
		expect(filesEndpoint('c')).toBe('/v1/channels.files');
		expect(filesEndpoint('p')).toBe('/v1/groups.files');
		expect(filesEndpoint('d')).toBe('/v1/im.files');
	});
});

describe('upload helpers', () => {
	test('progress and sizes', () => {
		expect(percent({ loaded: 50, size: 200 })).toBe(25);
		expect(percent({ loaded: 300, size: 200 })).toBe(100);
		expect(percent({ loaded: 0, size: 0 })).toBe(0);
		expect(formatSize(512)).toBe('512 B');
		expect(formatSize(1536)).toBe('1.5 KB');
		expect(formatSize(50 * 1024 * 1024)).toBe('50 MB');
		expect(formatSize(undefined)).toBe('');
	});

	test('a pasted picture without a name gets one with the date', () => {
		const f = new File(['x'], 'image.png', { type: 'image/png' });
		expect(pastedName(f, new Date(2026, 11, 3, 9, 5))).toBe('Clipboard - 2026-12-03 09.05.png');
		expect(pastedName(new File(['x'], 'notes.txt', { type: 'text/plain' }))).toBe('notes.txt');
	});
});

describe('custom emoji', () => {
	const parrot: CustomEmoji = { _id: 'e1', name: 'parrot', aliases: ['party'], extension: 'gif', etag: 'v1' };

	test('stream events add, replace and remove emoji', () => {
		let list = applyEmojiEvent([], 'updateEmojiCustom', parrot);
		list = applyEmojiEvent(list, 'updateEmojiCustom', { ...parrot, etag: 'v2' });
		expect(list).toEqual([{ ...parrot, etag: 'v2' }]);
		expect(applyEmojiEvent(list, 'deleteEmojiCustom', parrot)).toEqual([]);
	});

	test('a custom shortcode renders as its picture, by name or alias; unknown ones stay text', () => {
		customEmojiStore.set({ byName: new Map([['parrot', parrot], ['party', parrot]]), list: [parrot] });
		const { container } = render(<Markup text="hi :parrot: :party: :nosuch:" />);
		const imgs = container.querySelectorAll('img.lo-emoji-custom');
		expect(imgs).toHaveLength(2);
		expect(imgs[0]!.getAttribute('src')).toBe('/emoji-custom/parrot.gif?etag=v1');
		expect(imgs[1]!.getAttribute('alt')).toBe(':party:');
		expect(container.textContent).toContain(':nosuch:');
		customEmojiStore.set({ byName: new Map(), list: [] });
	});
});
