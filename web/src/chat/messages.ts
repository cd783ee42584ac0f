import { connection, currentUser } from '../lib/session';
import { createStore } from '../lib/store';
import { latestTs, latestUpdate, mergeMessages, removeMessages } from './merge';
import { normalizeMessage, type Message } from './types';

// The messages of the rooms the user has open: a page of history on first
// open, older pages on scroll, live events from the room's streams, and a
// catch-up after each reconnection (chat.syncMessages: new, edited and
// deleted messages since the newest update seen), so the list has no gap and
// no duplicate.

export type RoomMessages = {
	messages: Message[];
	loading: boolean;
	/** more history exists before the oldest loaded message */
	hasMore: boolean;
	error?: string;
	typing: string[];
};

const empty: RoomMessages = { messages: [], loading: true, hasMore: true, typing: [] };

export const messagesStore = createStore<Map<string, RoomMessages>>(new Map());

const PAGE = 50;
/** rooms kept live (streams open) after the user leaves them; older ones are dropped */
const KEEP_ROOMS = 8;

type Live = { stops: (() => void)[]; typingTimers: Map<string, ReturnType<typeof setTimeout>> };
const live = new Map<string, Live>();
const order: string[] = [];

function update(rid: string, fn: (r: RoomMessages) => RoomMessages) {
	messagesStore.set((all) => {
		const cur = all.get(rid) ?? empty;
		const next = fn(cur);
		if (next === cur) return all;
		const copy = new Map(all);
		copy.set(rid, next);
		return copy;
	});
}

export function roomMessages(rid: string): RoomMessages {
	return messagesStore.get().get(rid) ?? empty;
}

/**
 * An incoming filter sees every message from the server before it is
 * stored (history, streams, catch-up, panels that upsert): end-to-end
 * encryption registers one that swaps an encrypted message for its
 * decrypted form.
 */
export type IncomingFilter = (list: Message[]) => Message[];
let incomingFilter: IncomingFilter = (list) => list;

export function setIncomingFilter(f: IncomingFilter) {
	incomingFilter = f;
}

/** A message decoder opens messages that views keep in their own lists (search, pinned, starred, threads). */
export type MessageDecoder = (list: Message[]) => Promise<Message[]>;
let decoder: MessageDecoder = async (list) => list;

export function setMessageDecoder(d: MessageDecoder) {
	decoder = d;
}

/** clearMessages returns the messages as the user should read them (decrypted where they can be). */
export function clearMessages(list: Message[]): Promise<Message[]> {
	return decoder(list);
}

/** upsert adds or replaces messages (from any source) in their rooms. */
export function upsert(list: Message[]) {
	list = incomingFilter(list);
	const byRoom = new Map<string, Message[]>();
	for (const m of list) byRoom.set(m.rid, [...(byRoom.get(m.rid) ?? []), m]);
	for (const [rid, ms] of byRoom) {
		if (!messagesStore.get().has(rid)) continue;
		update(rid, (r) => {
			const merged = mergeMessages(r.messages, ms);
			return merged === r.messages ? r : { ...r, messages: merged };
		});
	}
}

export function remove(rid: string, ids: string[]) {
	update(rid, (r) => {
		const next = removeMessages(r.messages, ids);
		return next === r.messages ? r : { ...r, messages: next };
	});
}

type HistoryAnswer = { messages: Record<string, unknown>[]; firstUnread?: Record<string, unknown>; unreadNotLoaded?: number };

/** openRoom loads a room's latest page and keeps it live; calling it again is cheap. */
export async function openRoom(rid: string): Promise<void> {
	touch(rid);
	if (live.has(rid)) return;
	live.set(rid, { stops: [], typingTimers: new Map() });
	messagesStore.set((all) => new Map(all).set(rid, { ...empty }));
	startStreams(rid);
	await loadPage(rid, undefined);
}

function touch(rid: string) {
	const i = order.indexOf(rid);
	if (i >= 0) order.splice(i, 1);
	order.push(rid);
	while (order.length > KEEP_ROOMS) {
		const old = order.shift();
		if (old) closeRoom(old);
	}
}

function closeRoom(rid: string) {
	const l = live.get(rid);
	if (!l) return;
	for (const s of l.stops) s();
	for (const t of l.typingTimers.values()) clearTimeout(t);
	live.delete(rid);
	messagesStore.set((all) => {
		const copy = new Map(all);
		copy.delete(rid);
		return copy;
	});
}

async function loadPage(rid: string, before: number | undefined) {
	update(rid, (r) => ({ ...r, loading: true, error: undefined }));
	try {
		const answer = await connection.call<HistoryAnswer>('loadHistory', rid, before ? { $date: before } : null, PAGE, null, false);
		const page = incomingFilter((answer?.messages ?? []).map(normalizeMessage));
		update(rid, (r) => ({ ...r, loading: false, hasMore: page.length >= PAGE, messages: mergeMessages(r.messages, page) }));
	} catch (err) {
		update(rid, (r) => ({ ...r, loading: false, error: err instanceof Error ? err.message : String(err) }));
	}
}

export async function loadOlder(rid: string): Promise<void> {
	const r = roomMessages(rid);
	if (r.loading || !r.hasMore) return;
	const oldest = r.messages.find((m) => !m.pending);
	await loadPage(rid, oldest?.ts);
}

function startStreams(rid: string) {
	const l = live.get(rid);
	if (!l) return;
	l.stops.push(
		connection.stream('room-messages', rid, (raw) => {
			if (raw && typeof raw === 'object') upsert([normalizeMessage(raw as Record<string, unknown>)]);
		}),
		connection.stream('notify-room', `${rid}/deleteMessage`, (raw) => {
			const id = (raw as { _id?: string } | undefined)?._id;
			if (id) remove(rid, [id]);
		}),
		connection.stream('notify-room', `${rid}/deleteMessageBulk`, () => {
			// A history clean-up: reload the latest page rather than guess.
			messagesStore.set((all) => new Map(all).set(rid, { ...empty }));
			void loadPage(rid, undefined);
		}),
		connection.stream('notify-room', `${rid}/user-activity`, (username, activities) => {
			if (typeof username !== 'string') return;
			setTyping(rid, username, Array.isArray(activities) && activities.includes('user-typing'));
		}),
		connection.onResumed(() => void catchUp(rid)),
	);
}

const TYPING_TIMEOUT = 15_000;

function setTyping(rid: string, username: string, on: boolean) {
	const me = currentUser();
	if (me?.username === username) return;
	const l = live.get(rid);
	if (!l) return;
	const old = l.typingTimers.get(username);
	if (old) clearTimeout(old);
	l.typingTimers.delete(username);
	if (on) {
		// A client that disappears never says it stopped; forget it after a while.
		l.typingTimers.set(
			username,
			setTimeout(() => setTyping(rid, username, false), TYPING_TIMEOUT),
		);
	}
	update(rid, (r) => {
		const has = r.typing.includes(username);
		if (on === has) return r;
		return { ...r, typing: on ? [...r.typing, username] : r.typing.filter((u) => u !== username) };
	});
}

type SyncAnswer = { result: { updated: Record<string, unknown>[]; deleted: { _id: string }[] } };

/**
 * catchUp asks for everything that changed in the room since the newest
 * update this client saw: new and edited messages merge by id (no
 * duplicates), deleted ones go.
 */
export async function catchUp(rid: string): Promise<void> {
	const r = roomMessages(rid);
	const since = latestUpdate(r.messages) ?? latestTs(r.messages);
	if (since === undefined) {
		await loadPage(rid, undefined);
		return;
	}
	try {
		const answer = await connection.rest.getRaw<SyncAnswer>('/v1/chat.syncMessages', { roomId: rid, lastUpdate: new Date(since).toISOString() });
		upsert((answer.result?.updated ?? []).map(normalizeMessage));
		remove(rid, (answer.result?.deleted ?? []).map((d) => d._id));
	} catch (err) {
		update(rid, (x) => ({ ...x, error: `Could not catch up after reconnecting: ${err instanceof Error ? err.message : String(err)}` }));
	}
}

/** addPending shows a message being sent before the server confirms it. */
export function addPending(m: Message) {
	update(m.rid, (r) => ({ ...r, messages: mergeMessages(r.messages, [m]) }));
}

export function markFailed(rid: string, id: string, reason: string) {
	update(rid, (r) => ({ ...r, messages: r.messages.map((m) => (m._id === id ? { ...m, pending: false, failed: reason } : m)) }));
}
