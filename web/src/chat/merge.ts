import type { Message } from './types';

// Merging messages from history pages, stream events and the catch-up after
// a reconnection into one list: sorted by time, one entry per id, and a
// newer version (by _updatedAt) replaces an older one, never the reverse, so
// a late history page cannot undo an edit seen live.

export function mergeMessages(current: readonly Message[], incoming: readonly Message[]): Message[] {
	if (incoming.length === 0) return current as Message[];
	const byId = new Map<string, Message>();
	for (const m of current) byId.set(m._id, m);
	let changed = false;
	for (const m of incoming) {
		const old = byId.get(m._id);
		if (old && !old.pending && old.updatedAt > m.updatedAt) continue;
		if (old === m) continue;
		byId.set(m._id, m);
		changed = true;
	}
	if (!changed) return current as Message[];
	return [...byId.values()].sort((a, b) => a.ts - b.ts || (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
}

export function removeMessages(current: readonly Message[], ids: Iterable<string>): Message[] {
	const gone = new Set(ids);
	if (gone.size === 0) return current as Message[];
	const next = current.filter((m) => !gone.has(m._id));
	return next.length === current.length ? (current as Message[]) : next;
}

/** latestTs is the time of the newest message, from which a catch-up asks for what came after. */
export function latestTs(messages: readonly Message[]): number | undefined {
	let max: number | undefined;
	for (const m of messages) if (!m.pending && (max === undefined || m.ts > max)) max = m.ts;
	return max;
}

/** latestUpdate is the newest _updatedAt seen, for chat.syncMessages' lastUpdate. */
export function latestUpdate(messages: readonly Message[]): number | undefined {
	let max: number | undefined;
	for (const m of messages) if (!m.pending && (max === undefined || m.updatedAt > max)) max = m.updatedAt;
	return max;
}
