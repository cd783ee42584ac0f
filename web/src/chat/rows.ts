import { sameDay } from '../lib/dates';
import type { Message } from './types';

// The rows of a room's message list: day dividers, the unread divider, and
// messages marked "sequential" when they continue the previous author's
// group (shown without avatar and name), as Rocket.Chat and Mattermost do.

export type Row =
	| { kind: 'day'; key: string; ts: number }
	| { kind: 'unread'; key: string }
	| { kind: 'message'; key: string; message: Message; sequential: boolean };

/** the longest pause, in ms, inside one group (Rocket.Chat's Message_GroupingPeriod default, 300 s) */
export const DEFAULT_GROUPING_PERIOD = 300_000;

/** isSystem: a message Rocket.Chat renders as a system line (joins, renames, ...). */
export function isSystem(m: Message): boolean {
	return Boolean(m.t) && m.t !== 'e2e' && m.t !== 'discussion-created';
}

/** continues reports whether next can be shown under prev's avatar and name. */
export function continues(prev: Message | undefined, next: Message, period = DEFAULT_GROUPING_PERIOD): boolean {
	if (!prev) return false;
	if (isSystem(prev) || isSystem(next)) return false;
	if (prev.u._id !== next.u._id) return false;
	if ((prev.alias ?? '') !== (next.alias ?? '')) return false;
	if (next.groupable === false || prev.groupable === false) return false;
	if (next.ts - prev.ts > period || next.ts < prev.ts) return false;
	if (!sameDay(prev.ts, next.ts)) return false;
	// A thread reply shown in the room, or a message starting a thread or a
	// discussion, stands on its own.
	if (Boolean(prev.tmid) !== Boolean(next.tmid)) return false;
	if (next.tmid && next.tshow) return false;
	if (next.drid || prev.drid) return false;
	return true;
}

/** buildRows turns a room's messages (oldest first) into list rows. */
export function buildRows(messages: readonly Message[], opts: { unreadId?: string; period?: number } = {}): Row[] {
	const rows: Row[] = [];
	let prev: Message | undefined;
	for (const m of messages) {
		const newDay = !prev || !sameDay(prev.ts, m.ts);
		if (newDay) rows.push({ kind: 'day', key: `day-${dayKey(m.ts)}`, ts: m.ts });
		const unread = m._id === opts.unreadId;
		if (unread) rows.push({ kind: 'unread', key: 'unread-divider' });
		rows.push({ kind: 'message', key: m._id, message: m, sequential: !newDay && !unread && continues(prev, m, opts.period) });
		prev = m;
	}
	return rows;
}

/** visibleInRoom: thread replies appear in the room only when also sent to it (tshow). */
export function visibleInRoom(m: Message): boolean {
	return !m.tmid || Boolean(m.tshow);
}

function dayKey(ms: number): string {
	const d = new Date(ms);
	return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}
