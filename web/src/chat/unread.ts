import type { Message, Subscription } from './types';

// Unread state as Rocket.Chat's sidebar shows it: which badge a room gets,
// whether its name is bold, the tab title's count, and where the "new
// messages" divider goes in a room's history.

export type BadgeVariant = 'danger' | 'warning' | 'primary' | 'secondary';

export type Badge = { count: number; variant: BadgeVariant; title: string } | undefined;

/** isUnread: the room's name shows bold in the sidebar. */
export function isUnread(sub: Subscription): boolean {
	if (sub.hideUnreadStatus) return false;
	return Boolean(sub.alert) || sub.unread > 0 || (sub.tunread?.length ?? 0) > 0;
}

/** badgeFor gives the sidebar badge of a room: mentions of the user first, then group mentions, threads, plain unread. */
export function badgeFor(sub: Subscription): Badge {
	const threads = sub.tunread?.length ?? 0;
	const count = sub.unread + threads;
	if (count === 0 && sub.userMentions === 0 && sub.groupMentions === 0) return undefined;
	const n = Math.max(count, sub.userMentions + sub.groupMentions);
	if (!sub.hideMentionStatus) {
		if (sub.userMentions > 0 || (sub.tunreadUser?.length ?? 0) > 0) return { count: n, variant: 'danger', title: `${sub.userMentions || sub.tunreadUser?.length} mention(s)` };
		// In a direct conversation every message is meant for the user.
		if (sub.t === 'd' && sub.unread > 0) return { count: n, variant: 'danger', title: `${n} unread direct message(s)` };
		if (sub.groupMentions > 0 || (sub.tunreadGroup?.length ?? 0) > 0) return { count: n, variant: 'warning', title: `${sub.groupMentions} group mention(s)` };
	}
	if (sub.hideUnreadStatus) return undefined;
	if (threads > 0 && sub.unread === 0) return { count: threads, variant: 'primary', title: `${threads} unread thread(s)` };
	return { count: n, variant: 'secondary', title: `${n} unread message(s)` };
}

/** unreadSummary: the tab title's count (mentions and direct messages) and whether anything is unread. */
export function unreadSummary(subs: Iterable<Subscription>): { mentions: number; unread: boolean } {
	let mentions = 0;
	let unread = false;
	for (const s of subs) {
		if (!s.open) continue;
		if (isUnread(s)) unread = true;
		if (s.hideMentionStatus) continue;
		mentions += s.t === 'd' ? s.unread : s.userMentions;
	}
	return { mentions, unread };
}

/** tabTitle: "(3) #general – Liftoff" style, with a dot when only non-mention messages are unread. */
export function tabTitle(site: string, room: string | undefined, summary: { mentions: number; unread: boolean }): string {
	const prefix = summary.mentions > 0 ? `(${summary.mentions}) ` : summary.unread ? '• ' : '';
	return `${prefix}${room ? `${room} – ` : ''}${site}`;
}

/**
 * firstUnread returns the id of the first message after the user's last
 * visit (ls) that someone else wrote, or undefined when everything was seen.
 * Thread replies not shown in the room and the user's own messages do not count.
 */
export function firstUnread(messages: readonly Message[], lastSeen: number | undefined, myId: string): string | undefined {
	if (lastSeen === undefined) return undefined;
	for (const m of messages) {
		if (m.ts <= lastSeen) continue;
		if (m.u._id === myId) continue;
		if (m.tmid && !m.tshow) continue;
		return m._id;
	}
	return undefined;
}
