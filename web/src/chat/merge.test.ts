import { describe, expect, test } from 'vitest';

import { latestTs, latestUpdate, mergeMessages, removeMessages } from './merge';
import type { Message } from './types';

const m = (id: string, ts: number, updatedAt = ts, msg = id, extra: Partial<Message> = {}): Message => ({ _id: id, rid: 'r', msg, ts, updatedAt, u: { _id: 'u', username: 'u' }, ...extra });

describe('merging history, live events and catch-up', () => {
	test('sorted by time, one entry per id', () => {
		const out = mergeMessages([m('b', 20), m('d', 40)], [m('a', 10), m('c', 30), m('b', 20)]);
		expect(out.map((x) => x._id)).toEqual(['a', 'b', 'c', 'd']);
	});

	test('an edit replaces the older version, a late older copy does not undo it', () => {
		const edited = m('a', 10, 99, 'edited');
		const once = mergeMessages([m('a', 10, 10, 'original')], [edited]);
		expect(once[0]?.msg).toBe('edited');
		const late = mergeMessages(once, [m('a', 10, 10, 'original')]);
		expect(late[0]?.msg).toBe('edited');
	});

	test('the server copy replaces a pending one even with an older clock', () => {
		const pending = m('p', 100, 500, 'hi', { pending: true });
		const out = mergeMessages([pending], [m('p', 90, 90, 'hi')]);
		expect(out).toHaveLength(1);
		expect(out[0]?.pending).toBeUndefined();
	});

	test('nothing new returns the same array (no re-render)', () => {
		const cur = [m('a', 10)];
		expect(mergeMessages(cur, [])).toBe(cur);
		expect(mergeMessages(cur, [cur[0]!])).toBe(cur);
	});

	test('ties in time keep a stable order by id', () => {
		expect(mergeMessages([], [m('b', 10), m('a', 10)]).map((x) => x._id)).toEqual(['a', 'b']);
	});

	test('catch-up after a reconnect: no gap, no duplicate, deletions applied', () => {
		// Before the drop the client had a..c; while offline c was edited, d and e
		// were posted and b was deleted. The catch-up answer overlaps what the
		// client already has (it asks from a little before its newest update).
		const before = [m('a', 10), m('b', 20), m('c', 30)];
		const since = latestUpdate(before);
		expect(since).toBe(30);
		const updated = [m('c', 30, 45, 'c edited'), m('d', 40), m('e', 50), m('a', 10)];
		const after = removeMessages(mergeMessages(before, updated), ['b']);
		expect(after.map((x) => `${x._id}:${x.msg}`)).toEqual(['a:a', 'c:c edited', 'd:d', 'e:e']);
		expect(latestTs(after)).toBe(50);
	});

	test('pending messages do not move the catch-up point', () => {
		expect(latestUpdate([m('a', 10), m('p', 99, 99, 'x', { pending: true })])).toBe(10);
		expect(latestTs([])).toBeUndefined();
	});

	test('removing unknown ids returns the same array', () => {
		const cur = [m('a', 1)];
		expect(removeMessages(cur, ['zz'])).toBe(cur);
	});
});
