import { describe, expect, test } from 'vitest';

import { buildRows, continues } from './rows';
import type { Message } from './types';

const base = Date.UTC(2026, 11, 3, 10, 0, 0);
let n = 0;
function msg(user: string, ts: number, extra: Partial<Message> = {}): Message {
	n++;
	return { _id: `m${n}`, rid: 'r', msg: `text ${n}`, ts, updatedAt: ts, u: { _id: user, username: user }, ...extra };
}

describe('grouping', () => {
	test('consecutive messages of one author within the period are sequential', () => {
		const a = msg('alice', base);
		const b = msg('alice', base + 60_000);
		expect(continues(a, b)).toBe(true);
	});

	test('another author, a long pause, a system message or a thread reply start a new group', () => {
		const a = msg('alice', base);
		expect(continues(a, msg('bob', base + 1000))).toBe(false);
		expect(continues(a, msg('alice', base + 301_000))).toBe(false);
		expect(continues(a, msg('alice', base + 1000, { t: 'uj' }))).toBe(false);
		expect(continues(msg('alice', base, { t: 'uj' }), msg('alice', base + 1000))).toBe(false);
		expect(continues(a, msg('alice', base + 1000, { tmid: 'x', tshow: true }))).toBe(false);
		expect(continues(a, msg('alice', base + 1000, { alias: 'bot' }))).toBe(false);
		expect(continues(a, msg('alice', base + 1000, { groupable: false }))).toBe(false);
	});

	test('the period is configurable', () => {
		const a = msg('alice', base);
		expect(continues(a, msg('alice', base + 20_000), 10_000)).toBe(false);
	});

	test('day dividers and the unread divider break groups', () => {
		const a = msg('alice', base);
		const b = msg('alice', base + 1000);
		const c = msg('alice', base + 2000);
		const nextDay = msg('alice', base + 86_400_000);
		const rows = buildRows([a, b, c, nextDay], { unreadId: c._id });
		expect(rows.map((r) => (r.kind === 'message' ? `${r.message._id}${r.sequential ? '+' : ''}` : r.kind))).toEqual(['day', a._id, `${b._id}+`, 'unread', c._id, 'day', nextDay._id]);
	});

	test('no rows for no messages', () => {
		expect(buildRows([])).toEqual([]);
	});
});
