import { describe, expect, test } from 'vitest';

import type { Message, Subscription } from './types';
import { badgeFor, firstUnread, isUnread, tabTitle, unreadSummary } from './unread';

function sub(extra: Partial<Subscription> = {}): Subscription {
	return { _id: 's', rid: 'r', name: 'general', t: 'c', u: { _id: 'me', username: 'me' }, open: true, unread: 0, userMentions: 0, groupMentions: 0, ts: 0, updatedAt: 0, ...extra };
}

describe('badges', () => {
	test('nothing unread: no badge, not bold', () => {
		expect(badgeFor(sub())).toBeUndefined();
		expect(isUnread(sub())).toBe(false);
	});
	test('plain unread messages: a secondary badge with the count', () => {
		expect(badgeFor(sub({ unread: 3, alert: true }))).toMatchObject({ count: 3, variant: 'secondary' });
		expect(isUnread(sub({ unread: 3 }))).toBe(true);
	});
	test('a mention of the user outranks everything', () => {
		expect(badgeFor(sub({ unread: 5, userMentions: 1, groupMentions: 2 }))).toMatchObject({ count: 5, variant: 'danger' });
	});
	test('a group mention (@all, @here) is a warning', () => {
		expect(badgeFor(sub({ unread: 2, groupMentions: 1 }))).toMatchObject({ variant: 'warning' });
	});
	test('every unread direct message counts as a mention', () => {
		expect(badgeFor(sub({ t: 'd', unread: 2 }))).toMatchObject({ count: 2, variant: 'danger' });
	});
	test('unread threads alone: a primary badge', () => {
		expect(badgeFor(sub({ tunread: ['a', 'b'] }))).toMatchObject({ count: 2, variant: 'primary' });
	});
	test('hidden unread status: no badge and not bold, mentions still show', () => {
		expect(badgeFor(sub({ unread: 3, hideUnreadStatus: true }))).toBeUndefined();
		expect(isUnread(sub({ unread: 3, hideUnreadStatus: true }))).toBe(false);
		expect(badgeFor(sub({ unread: 3, userMentions: 1, hideUnreadStatus: true }))).toMatchObject({ variant: 'danger' });
	});
});

describe('tab title', () => {
	test('counts mentions and direct messages, marks other unread with a dot', () => {
		const s = unreadSummary([sub({ unread: 4, userMentions: 1 }), sub({ rid: 'd', t: 'd', unread: 2 }), sub({ rid: 'x', unread: 9 })]);
		expect(s).toEqual({ mentions: 3, unread: true });
		expect(tabTitle('Liftoff', '#general', s)).toBe('(3) #general – Liftoff');
		expect(tabTitle('Liftoff', undefined, { mentions: 0, unread: true })).toBe('• Liftoff');
		expect(tabTitle('Liftoff', undefined, { mentions: 0, unread: false })).toBe('Liftoff');
	});
	test('closed rooms do not count', () => {
		expect(unreadSummary([sub({ unread: 4, userMentions: 4, open: false })])).toEqual({ mentions: 0, unread: false });
	});
});

describe('first unread message', () => {
	const m = (id: string, ts: number, user = 'bob', extra: Partial<Message> = {}): Message => ({ _id: id, rid: 'r', msg: id, ts, updatedAt: ts, u: { _id: user, username: user }, ...extra });
	const list = [m('a', 10), m('b', 20, 'me'), m('c', 30, 'bob', { tmid: 'a' }), m('d', 40), m('e', 50)];
	test('the first message after the last visit by someone else', () => {
		expect(firstUnread(list, 15, 'me')).toBe('d');
		expect(firstUnread(list, 40, 'me')).toBe('e');
	});
	test('nothing new, or never seen', () => {
		expect(firstUnread(list, 50, 'me')).toBeUndefined();
		expect(firstUnread(list, undefined, 'me')).toBeUndefined();
	});
});
