import { useEffect } from 'react';

import { ApiError } from '../lib/api';
import { connection } from '../lib/session';
import { createStore, useStore } from '../lib/store';

// Who is online. Every change arrives on stream-notify-logged "user-status"
// ([uid, username, status number, status text]); the first value of a user
// comes from users.presence (many users in one call, Rocket.Chat 8), or, on
// servers without it, users.getPresence one user at a time.

type Presence = { status: string; statusText?: string };

export const presenceStore = createStore<Map<string, Presence>>(new Map());
const usernames = new Map<string, string>(); // username -> uid

const STATUS = ['offline', 'online', 'away', 'busy'] as const;

let started = false;
let bulkMissing = false;
const wanted = new Set<string>();
let timer: ReturnType<typeof setTimeout> | undefined;

export function startPresence() {
	if (started) return;
	started = true;
	connection.stream('notify-logged', 'user-status', (...args) => {
		const row = (Array.isArray(args[0]) ? args[0] : args) as unknown[];
		const [uid, username, n, text] = row;
		if (typeof uid !== 'string') return;
		if (typeof username === 'string') usernames.set(username, uid);
		set(uid, { status: STATUS[Number(n)] ?? 'offline', statusText: typeof text === 'string' ? text : undefined });
	});
	connection.onResumed(() => {
		// Statuses changed while offline: ask again for everyone shown.
		for (const uid of presenceStore.get().keys()) wanted.add(uid);
		schedule();
	});
}

function set(uid: string, p: Presence) {
	presenceStore.set((m) => {
		const old = m.get(uid);
		if (old && old.status === p.status && old.statusText === p.statusText) return m;
		return new Map(m).set(uid, p);
	});
}

function schedule() {
	if (timer) return;
	timer = setTimeout(() => {
		timer = undefined;
		void fetchWanted();
	}, 50);
}

async function fetchWanted() {
	const ids = [...wanted];
	wanted.clear();
	if (ids.length === 0) return;
	if (!bulkMissing) {
		try {
			const answer = (await connection.rest.get('/v1/users.presence', { ids })) as unknown as { users: { _id: string; status?: string; statusText?: string }[] };
			for (const u of answer.users ?? []) set(u._id, { status: u.status ?? 'offline', statusText: u.statusText });
			return;
		} catch (err) {
			if (!(err instanceof ApiError && err.isMissing)) return;
			bulkMissing = true;
		}
	}
	for (const id of ids.slice(0, 50)) {
		try {
			const p = await connection.rest.getRaw<{ presence?: string }>('/v1/users.getPresence', { userId: id });
			set(id, { status: p.presence ?? 'offline' });
		} catch {
			// unknown user or no access: leave it unknown
		}
	}
}

/** usePresence returns a user's status, asking the server the first time it is shown. */
export function usePresence(uid: string | undefined, username?: string): string | undefined {
	const id = uid ?? (username ? usernames.get(username) : undefined);
	const p = useStore(presenceStore, (m) => (id ? m.get(id) : undefined));
	useEffect(() => {
		if (!id || presenceStore.get().has(id)) return;
		wanted.add(id);
		schedule();
	}, [id]);
	return p?.status;
}

export function rememberUsername(username: string, uid: string) {
	usernames.set(username, uid);
}
