import { connection, currentUser } from '../lib/session';
import { createStore } from '../lib/store';
import { normalizeRoom, normalizeSubscription, type Room, type Subscription } from './types';

// The signed-in user's rooms: their subscriptions (membership, unread state,
// favorite) and the rooms themselves, loaded once, kept current by the
// user's stream, and caught up after a reconnection with updatedSince, so
// nothing changed while offline is missed.

export type RoomsState = {
	loaded: boolean;
	error?: string;
	subs: Map<string, Subscription>; // by rid
	rooms: Map<string, Room>; // by _id
};

export const roomsStore = createStore<RoomsState>({ loaded: false, subs: new Map(), rooms: new Map() });

type SyncAnswer<T> = { update: T[]; remove: { _id: string; rid?: string }[] };

let syncedAt: number | undefined;
let stops: (() => void)[] = [];

export async function startRooms(): Promise<void> {
	const me = currentUser();
	if (!me) return;
	for (const s of stops) s();
	stops = [
		connection.stream('notify-user', `${me._id}/subscriptions-changed`, (action, raw) => {
			if (!raw || typeof raw !== 'object') return;
			const sub = normalizeSubscription(raw as Record<string, unknown>);
			roomsStore.set((st) => {
				const subs = new Map(st.subs);
				if (action === 'removed') subs.delete(sub.rid);
				else subs.set(sub.rid, { ...subs.get(sub.rid), ...sub });
				return { ...st, subs };
			});
			if (action !== 'removed' && !roomsStore.get().rooms.has(sub.rid)) void fetchRoom(sub.rid);
		}),
		connection.stream('notify-user', `${me._id}/rooms-changed`, (action, raw) => {
			if (!raw || typeof raw !== 'object') return;
			const room = normalizeRoom(raw as Record<string, unknown>);
			roomsStore.set((st) => {
				const rooms = new Map(st.rooms);
				if (action === 'removed') rooms.delete(room._id);
				else rooms.set(room._id, { ...rooms.get(room._id), ...room });
				return { ...st, rooms };
			});
		}),
		connection.onResumed(() => void sync()),
	];
	await sync();
}

const fetching = new Set<string>();

/**
 * fetchRoom loads a room the user just joined when its rooms-changed event
 * did not come first (a server may announce the room before the membership),
 * so that what the room says of itself (encrypted, read only, topic) is known.
 */
async function fetchRoom(rid: string) {
	if (fetching.has(rid)) return;
	fetching.add(rid);
	try {
		const answer = await connection.rest.getRaw<{ room?: Record<string, unknown> }>('/v1/rooms.info', { roomId: rid });
		if (!answer.room) return;
		const room = normalizeRoom(answer.room);
		roomsStore.set((st) => (st.rooms.has(rid) || !st.subs.has(rid) ? st : { ...st, rooms: new Map(st.rooms).set(rid, room) }));
	} catch (err) {
		console.warn(`rooms.info ${rid}`, err);
	} finally {
		fetching.delete(rid);
	}
}

/** sync loads everything (first time) or what changed since the last sync. */
export async function sync(): Promise<void> {
	const since = syncedAt;
	const started = Date.now();
	try {
		const params = since ? { updatedSince: new Date(since - 5_000).toISOString() } : undefined;
		const [subsAnswer, roomsAnswer] = await Promise.all([
			connection.rest.getRaw<SyncAnswer<Record<string, unknown>> | { update?: undefined }>('/v1/subscriptions.get', params),
			connection.rest.getRaw<SyncAnswer<Record<string, unknown>> | { update?: undefined }>('/v1/rooms.get', params),
		]);
		roomsStore.set((st) => {
			const subs = since ? new Map(st.subs) : new Map<string, Subscription>();
			const rooms = since ? new Map(st.rooms) : new Map<string, Room>();
			const sa = subsAnswer as SyncAnswer<Record<string, unknown>>;
			const ra = roomsAnswer as SyncAnswer<Record<string, unknown>>;
			for (const raw of sa.update ?? []) {
				const s = normalizeSubscription(raw);
				subs.set(s.rid, s);
			}
			for (const gone of sa.remove ?? []) {
				if (gone.rid) subs.delete(gone.rid);
				else for (const [rid, s] of subs) if (s._id === gone._id) subs.delete(rid);
			}
			for (const raw of ra.update ?? []) {
				const r = normalizeRoom(raw);
				rooms.set(r._id, r);
			}
			for (const gone of ra.remove ?? []) rooms.delete(gone._id);
			return { loaded: true, subs, rooms };
		});
		syncedAt = started;
	} catch (err) {
		roomsStore.set((st) => ({ ...st, loaded: true, error: err instanceof Error ? err.message : String(err) }));
	}
}

export function subscriptionOf(rid: string): Subscription | undefined {
	return roomsStore.get().subs.get(rid);
}

/** patchSubscription applies a change the user made before the server confirms it (optimistic). */
export function patchSubscription(rid: string, patch: Partial<Subscription>) {
	roomsStore.set((st) => {
		const cur = st.subs.get(rid);
		if (!cur) return st;
		const subs = new Map(st.subs);
		subs.set(rid, { ...cur, ...patch });
		return { ...st, subs };
	});
}

/** findByName finds a subscribed room by the name in a route (/channel/NAME). */
export function findRoute(kind: 'channel' | 'group' | 'direct', key: string): Subscription | undefined {
	const st = roomsStore.get();
	for (const s of st.subs.values()) {
		if (kind === 'direct' && (s.rid === key || (s.t === 'd' && s.name === key))) return s;
		if (kind !== 'direct' && (s.name === key || s.rid === key) && s.t !== 'd') return s;
	}
	return undefined;
}
