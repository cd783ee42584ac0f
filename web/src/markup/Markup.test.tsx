// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, test } from 'vitest';

import { Markup, safeUrl } from './Markup';

afterEach(cleanup);

function html(text: string, me?: string) {
	const { container } = render(<Markup text={text} context={{ me }} />);
	return container;
}

describe('message markup', () => {
	test('bold, italic, strike, inline code', () => {
		const c = html('*bold* _it_ ~gone~ `x < y`');
		expect(c.querySelector('strong')?.textContent).toBe('bold');
		expect(c.querySelector('em')?.textContent).toBe('it');
		expect(c.querySelector('del')?.textContent).toBe('gone');
		expect(c.querySelector('code')?.textContent).toBe('x < y');
	});

	test('HTML in a message is text, never markup', () => {
		const c = html('<img src=x onerror=alert(1)> <script>alert(2)</script> <b>no</b>');
		expect(c.querySelector('img')).toBeNull();
		expect(c.querySelector('script')).toBeNull();
		expect(c.querySelector('b')).toBeNull();
		expect(c.textContent).toContain('<img src=x onerror=alert(1)>');
		expect(c.textContent).toContain('<script>alert(2)</script>');
	});

	test('links open safely; javascript: URLs are not links', () => {
		const c = html('see https://example.org/a?b=1 and [click](javascript:alert(1))');
		const links = [...c.querySelectorAll('a')];
		expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://example.org/a?b=1']);
		expect(links[0]?.getAttribute('rel')).toContain('noopener');
		expect(links[0]?.getAttribute('target')).toBe('_blank');
		expect(safeUrl('javascript:alert(1)')).toBeUndefined();
		expect(safeUrl('data:text/html,x')).toBeUndefined();
		expect(safeUrl('example.org')).toBe('https://example.org');
	});

	test('mentions: the user is highlighted, channels are links', () => {
		const c = html('hi @me and @bob, see #general', 'me');
		const mentions = [...c.querySelectorAll('.rcx-message__highlight')];
		expect(mentions.map((m) => m.textContent)).toEqual(['@me', '@bob']);
		expect(mentions[0]?.className).toContain('critical');
		expect(c.querySelector('a.lo-channel-link')?.getAttribute('href')).toBe('/channel/general');
	});

	test('code blocks keep their text and language', () => {
		const c = html('```js\nconst a = "<b>";\n```');
		const pre = c.querySelector('pre');
		expect(pre?.dataset.language).toBe('js');
		expect(pre?.textContent).toBe('const a = "<b>";');
		expect(c.querySelector('b')).toBeNull();
	});

	test('quotes, lists and headings', () => {
		const c = html('> quoted\n\n- one\n- two\n\n# Title');
		expect(c.querySelector('blockquote')?.textContent).toContain('quoted');
		expect(c.querySelectorAll('li')).toHaveLength(2);
		expect(c.querySelector('h1')?.textContent).toBe('Title');
	});

	test('unknown emoji shortcodes stay readable text', () => {
		expect(html(':no_such_emoji_here:').textContent).toBe(':no_such_emoji_here:');
	});
});
