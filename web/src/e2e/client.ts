import { roomMessages, setIncomingFilter, setMessageDecoder, upsert } from '../chat/messages';
import { roomsStore } from '../chat/rooms';
import type { Message, Room, Subscription } from '../chat/types';
import { setOutgoingEncryptor } from '../features/room/actions';
import { connection, currentUser, onLogout, publicSettings } from '../lib/session';
import { createStore } from '../lib/store';
import {
	decryptContent,
	decryptPrivateKey,
	e2eMentions,
	encryptContent,
	encryptPrivateKey,
	generateRoomKey,
	generateUserKeys,
	importPrivateKey,
	isEncryptedContent,
	newPassphrase,
	unwrapRoomKey,
	wrapRoomKey,
	type ClearContent,
	type EncryptedContent,
	type RoomKey,
} from './crypto';

// The end-to-end encryption client, as Rocket.Chat's clients behave:
//
// - when the server enables it (E2E_Enable), the user's key pair is loaded
//   from this browser, or unlocked with the passphrase when the server holds
//   it (another browser made it), or made here: a random passphrase
//   encrypts the private key for the server and is shown once;
// - each encrypted private group or direct room gets its key from the
//   member's copy (subscription E2EKey), else from a suggested copy
//   (E2ESuggestedKey, accepted or rejected), else the first member makes it
//   (e2e.setRoomKeyID, e2e.updateGroupKey) and hands copies to the others;
//   a member without a copy asks the room (<rid>/e2ekeyRequest), and
//   members who hold the key answer with e2e.provideUsersSuggestedGroupKeys;
// - outgoing text in such rooms leaves as `content` (rc.v2.aes-sha2),
//   incoming messages are decrypted before they are shown.

export type E2EStatus = 'off' | 'loading' | 'locked' | 'ready' | 'error';

export type E2EState = {
	status: E2EStatus;
	error?: string;
	/** a passphrase made in this browser and not yet confirmed as saved by the user */
	newPassphrase?: string;
};

export type RoomKeyStatus = 'waiting' | 'ready' | 'error';

export const e2eState = createStore<E2EState>({ status: 'off' });
/** the state of each encrypted room's key, by rid */
export const roomKeyState = createStore<Map<string, RoomKeyStatus>>(new Map());

// Where Rocket.Chat's web client keeps them (localStorage), plus whose they are.
const LS_PUBLIC = 'public_key';
const LS_PRIVATE = 'private_key';
const LS_OWNER = 'e2e.userId';
const LS_PASSPHRASE = 'e2e.randomPassword';

type Keys = { uid: string; publicKey: string; privateKey: CryptoKey };
let keys: Keys | undefined;
let serverPrivateKey: string | undefined;
let serverPublicKey: string | undefined;

type RoomKeys = { current?: RoomKey; old: Map<string, RoomKey & { ts?: unknown }> };
const roomKeys = new Map<string, RoomKeys>();

let stops: (() => void)[] = [];
let distributionTimer: ReturnType<typeof setInterval> | undefined;

export function isEncryptedRoom(room: Pick<Room, 't'> & { encrypted?: unknown } | undefined): boolean {
	return Boolean(room && room.encrypted === true && (room.t === 'p' || room.t === 'd'));
}

function roomOf(rid: string): Room | undefined {
	return roomsStore.get().rooms.get(rid);
}

function subOf(rid: string): (Subscription & { E2EKey?: string; E2ESuggestedKey?: string; oldRoomKeys?: { e2eKeyId: string; ts: unknown; E2EKey: string }[] }) | undefined {
	return roomsStore.get().subs.get(rid) as never;
}

function setRoomStatus(rid: string, status: RoomKeyStatus) {
	roomKeyState.set((m) => (m.get(rid) === status ? m : new Map(m).set(rid, status)));
}

// ---------------------------------------------------------------- start

/** startE2E runs once the session is signed in; it waits for E2E_Enable. */
export function startE2E(): void {
	stopE2E();
	const check = () => {
		const on = publicSettings.get().E2E_Enable === true;
		const st = e2eState.get().status;
		if (on && st === 'off') void loadKeys();
		if (!on && st !== 'off') {
			stopRooms();
			e2eState.set({ status: 'off' });
		}
	};
	stops.push(publicSettings.subscribe(check));
	check();
}

export function stopE2E(): void {
	stopRooms();
	for (const s of stops) s();
	stops = [];
	keys = undefined;
	e2eState.set({ status: 'off' });
}

function stopRooms() {
	if (distributionTimer) clearInterval(distributionTimer);
	distributionTimer = undefined;
	roomKeys.clear();
	readyKid.clear();
	roomKeyState.set(new Map());
}

async function loadKeys(): Promise<void> {
	const me = currentUser();
	if (!me) return;
	e2eState.set({ status: 'loading' });
	try {
		const mine = (await connection.rest.get('/v1/e2e.fetchMyKeys' as never)) as unknown as { public_key?: string; private_key?: string };
		serverPublicKey = mine.public_key || undefined;
		serverPrivateKey = mine.private_key || undefined;
		const localPublic = localStorage.getItem(LS_PUBLIC);
		const localPrivate = localStorage.getItem(LS_PRIVATE);
		const localIsMine = localStorage.getItem(LS_OWNER) === me._id;
		if (localIsMine && localPublic && localPrivate && (!serverPublicKey || serverPublicKey === localPublic)) {
			keys = { uid: me._id, publicKey: localPublic, privateKey: await importPrivateKey(localPrivate) };
			if (!serverPublicKey || !serverPrivateKey) {
				// The server lost them (or never got them): save them again under a new passphrase.
				await saveNewKeys(localPublic, localPrivate);
				return;
			}
			const pending = localStorage.getItem(LS_PASSPHRASE) ?? undefined;
			ready(pending);
			return;
		}
		forgetLocalKeys();
		if (serverPublicKey && serverPrivateKey) {
			e2eState.set({ status: 'locked' });
			return;
		}
		const made = await generateUserKeys();
		keys = { uid: me._id, publicKey: made.publicKey, privateKey: made.privateKey };
		await saveNewKeys(made.publicKey, made.privateJwk);
		// Ask the members of one's encrypted rooms to send copies of their keys.
		await connection.rest.post('/v1/e2e.requestSubscriptionKeys' as never, {} as never).catch((err: unknown) => console.warn('e2e.requestSubscriptionKeys', err));
	} catch (err) {
		e2eState.set({ status: 'error', error: err instanceof Error ? err.message : String(err) });
	}
}

async function saveNewKeys(publicKey: string, privateJwk: string) {
	const me = currentUser();
	if (!me) return;
	const passphrase = newPassphrase();
	const stored = await encryptPrivateKey(privateJwk, passphrase, me._id);
	await connection.rest.post('/v1/e2e.setUserPublicAndPrivateKeys' as never, { public_key: publicKey, private_key: stored } as never);
	serverPublicKey = publicKey;
	serverPrivateKey = stored;
	keepLocalKeys(me._id, publicKey, privateJwk);
	localStorage.setItem(LS_PASSPHRASE, passphrase);
	ready(passphrase);
}

function keepLocalKeys(uid: string, publicKey: string, privateJwk: string) {
	localStorage.setItem(LS_OWNER, uid);
	localStorage.setItem(LS_PUBLIC, publicKey);
	localStorage.setItem(LS_PRIVATE, privateJwk);
}

function forgetLocalKeys() {
	for (const k of [LS_OWNER, LS_PUBLIC, LS_PRIVATE, LS_PASSPHRASE]) localStorage.removeItem(k);
}

onLogout(() => {
	forgetLocalKeys();
	stopE2E();
});

/** unlock opens the private key kept on the server with the user's passphrase. */
export async function unlock(passphrase: string): Promise<void> {
	const me = currentUser();
	if (!me || !serverPrivateKey || !serverPublicKey) throw new Error('There is no saved key to unlock.');
	const jwk = await decryptPrivateKey(serverPrivateKey, passphrase.trim(), me._id);
	keys = { uid: me._id, publicKey: serverPublicKey, privateKey: await importPrivateKey(jwk) };
	keepLocalKeys(me._id, serverPublicKey, jwk);
	ready(undefined);
}

/** passphraseSaved: the user confirmed having saved the passphrase shown once; it is forgotten here. */
export function passphraseSaved() {
	localStorage.removeItem(LS_PASSPHRASE);
	e2eState.set((s) => ({ ...s, newPassphrase: undefined }));
}

function ready(newPassphrase: string | undefined) {
	e2eState.set({ status: 'ready', newPassphrase });
	let last: unknown;
	const onRooms = () => {
		const st = roomsStore.get();
		if (st === last) return;
		last = st;
		for (const sub of st.subs.values()) {
			const room = st.rooms.get(sub.rid);
			if (isEncryptedRoom(room) || (sub as { E2EKey?: string }).E2EKey) void handshake(sub.rid);
		}
	};
	stops.push(roomsStore.subscribe(onRooms));
	onRooms();
	const uid = keys?.uid;
	if (uid) {
		stops.push(
			connection.stream('notify-user', `${uid}/e2ekeyRequest`, (rid, kid) => {
				if (typeof rid !== 'string') return;
				const rk = roomKeys.get(rid)?.current;
				if (rk && (kid === undefined || kid === rk.kid)) void distribute(rid);
			}),
		);
	}
	if (distributionTimer) clearInterval(distributionTimer);
	distributionTimer = setInterval(() => void distributeToWaiting(), 10_000);
	void distributeToWaiting();
}

// ---------------------------------------------------------------- rooms

const running = new Map<string, Promise<void>>();
const again = new Set<string>();

/** handshake brings a room's key up to date with the subscription and the room; calls for one room never overlap. */
function handshake(rid: string): Promise<void> {
	const cur = running.get(rid);
	if (cur) {
		again.add(rid);
		return cur;
	}
	const p = doHandshake(rid)
		.catch((err: unknown) => {
			console.warn(`e2e handshake ${rid}`, err);
			setRoomStatus(rid, 'error');
		})
		.finally(() => {
			running.delete(rid);
			if (again.delete(rid)) void handshake(rid);
		});
	running.set(rid, p);
	return p;
}

const lastRequest = new Map<string, number>();

async function doHandshake(rid: string): Promise<void> {
	if (!keys) return;
	const room = roomOf(rid);
	const sub = subOf(rid);
	// A room whose encryption was turned off still needs its key for its old messages.
	if (!room || !sub || (!isEncryptedRoom(room) && !sub.E2EKey)) return;
	const rk: RoomKeys = roomKeys.get(rid) ?? { old: new Map() };
	roomKeys.set(rid, rk);

	// Old keys, to read messages from before a key reset.
	for (const o of sub.oldRoomKeys ?? []) {
		if (rk.old.has(o.e2eKeyId)) continue;
		try {
			const k = await unwrapRoomKey(o.E2EKey, keys.privateKey);
			rk.old.set(o.e2eKeyId, { ...k, kid: o.e2eKeyId, ts: o.ts });
		} catch (err) {
			console.warn(`e2e: cannot open old key ${o.e2eKeyId} of ${rid}`, err);
		}
	}

	if (sub.E2ESuggestedKey && !sub.E2EKey) {
		try {
			const k = await unwrapRoomKey(sub.E2ESuggestedKey, keys.privateKey);
			rk.current = k;
			await connection.rest.post('/v1/e2e.acceptSuggestedGroupKey' as never, { rid } as never);
		} catch (err) {
			console.warn(`e2e: rejecting the suggested key of ${rid}`, err);
			await connection.rest.post('/v1/e2e.rejectSuggestedGroupKey' as never, { rid } as never).catch(() => undefined);
		}
	}

	if (sub.E2EKey && rk.current?.kid !== sub.E2EKey.slice(0, -344)) {
		rk.current = await unwrapRoomKey(sub.E2EKey, keys.privateKey);
	}

	const roomKid = typeof room.e2eKeyId === 'string' ? room.e2eKeyId : undefined;
	if (rk.current && (!roomKid || rk.current.kid === roomKid)) {
		keyReady(rid);
		return;
	}
	if (!isEncryptedRoom(room)) return;
	if (rk.current && roomKid && rk.current.kid !== roomKid) {
		// The room's key was reset: the old one still reads old messages.
		rk.old.set(rk.current.kid, rk.current);
		rk.current = undefined;
	}

	if (!roomKid) {
		// The first member here makes the room's key.
		const made = await generateRoomKey();
		try {
			await connection.rest.post('/v1/e2e.setRoomKeyID' as never, { rid, keyID: made.kid } as never);
		} catch (err) {
			// Someone else was first: wait for their key.
			console.warn(`e2e.setRoomKeyID ${rid}`, err);
			setRoomStatus(rid, 'waiting');
			return;
		}
		const mine = await wrapRoomKey(made, keys.publicKey);
		await connection.rest.post('/v1/e2e.updateGroupKey' as never, { rid, uid: keys.uid, key: mine } as never);
		rk.current = made;
		keyReady(rid);
		await distribute(rid);
		return;
	}

	setRoomStatus(rid, 'waiting');
	const now = Date.now();
	if ((lastRequest.get(rid) ?? 0) < now - 10_000) {
		lastRequest.set(rid, now);
		await connection.call('stream-notify-room-users', `${rid}/e2ekeyRequest`, rid, roomKid).catch((err: unknown) => console.warn('e2ekeyRequest', err));
	}
}

const readyKid = new Map<string, string>();

function keyReady(rid: string) {
	setRoomStatus(rid, 'ready');
	const kid = roomKeys.get(rid)?.current?.kid ?? '';
	if (readyKid.get(rid) === kid) return;
	readyKid.set(rid, kid);
	// Messages that arrived before the key: decrypt them now.
	const pending = roomMessages(rid).messages.filter(needsDecryption);
	if (pending.length) upsert(pending);
}

type WaitingUser = { _id: string; public_key?: string; e2e?: { public_key?: string } };

async function wrapFor(rid: string, users: WaitingUser[]) {
	const rk = roomKeys.get(rid);
	const current = rk?.current;
	if (!current) return [];
	const out: { _id: string; key: string; oldKeys?: { e2eKeyId: string; ts: unknown; E2EKey: string }[] }[] = [];
	for (const u of users) {
		const pub = u.public_key ?? u.e2e?.public_key;
		if (!pub) continue;
		try {
			const key = await wrapRoomKey(current, pub);
			const oldKeys = [];
			for (const o of rk.old.values()) oldKeys.push({ e2eKeyId: o.kid, ts: o.ts ?? new Date().toISOString(), E2EKey: await wrapRoomKey(o, pub) });
			out.push({ _id: u._id, key, ...(oldKeys.length ? { oldKeys } : {}) });
		} catch (err) {
			console.warn(`e2e: cannot wrap the key of ${rid} for ${u._id}`, err);
		}
	}
	return out;
}

/** distribute gives every member without a copy of the room's key a suggested copy. */
async function distribute(rid: string): Promise<void> {
	if (!roomKeys.get(rid)?.current) return;
	const answer = (await connection.rest.get('/v1/e2e.getUsersOfRoomWithoutKey' as never, { rid } as never)) as unknown as { users?: WaitingUser[] };
	const users = (answer.users ?? []).filter((u) => u._id !== keys?.uid);
	const wrapped = await wrapFor(rid, users);
	if (!wrapped.length) return;
	await connection.rest.post('/v1/e2e.provideUsersSuggestedGroupKeys' as never, { usersSuggestedGroupKeys: { [rid]: wrapped } } as never);
}

/** distributeToWaiting answers the rooms whose queue of members waiting for the key is not empty. */
async function distributeToWaiting(): Promise<void> {
	if (!keys) return;
	const uid = keys.uid;
	const roomIds: string[] = [];
	for (const room of roomsStore.get().rooms.values()) {
		const waiting = room.usersWaitingForE2EKeys as { userId: string }[] | undefined;
		if (!Array.isArray(waiting) || !waiting.length || waiting.some((w) => w.userId === uid)) continue;
		if (roomKeys.get(room._id)?.current) roomIds.push(room._id);
	}
	if (!roomIds.length) return;
	try {
		const answer = (await connection.rest.get('/v1/e2e.fetchUsersWaitingForGroupKey' as never, { roomIds: roomIds.slice(0, 10) } as never)) as unknown as {
			usersWaitingForE2EKeys?: Record<string, WaitingUser[]>;
		};
		const suggested: Record<string, unknown[]> = {};
		for (const [rid, users] of Object.entries(answer.usersWaitingForE2EKeys ?? {})) {
			const w = await wrapFor(rid, users);
			if (w.length) suggested[rid] = w;
		}
		if (Object.keys(suggested).length) await connection.rest.post('/v1/e2e.provideUsersSuggestedGroupKeys' as never, { usersSuggestedGroupKeys: suggested } as never);
	} catch (err) {
		console.warn('e2e key distribution', err);
	}
}

// ---------------------------------------------------------------- messages

/** clear texts by ciphertext, so that a message already decrypted is shown at once when it comes again (edits of other fields, echoes, history) */
const decrypted = new Map<string, ClearContent>();
const inFlight = new Set<string>();

function cipherOf(m: Message): string | EncryptedContent | undefined {
	if (isEncryptedContent(m.content)) return m.content;
	if (m.t === 'e2e' && m.msg) return m.msg;
	return undefined;
}

function cacheKey(c: string | EncryptedContent): string {
	return typeof c === 'string' ? c : c.ciphertext;
}

export function needsDecryption(m: Message): boolean {
	return m.t === 'e2e' && m.e2e !== 'done' && cipherOf(m) !== undefined;
}

function withClear(m: Message, clear: ClearContent): Message {
	return {
		...m,
		msg: typeof clear.msg === 'string' ? clear.msg : '',
		...(Array.isArray(clear.attachments) ? { attachments: clear.attachments as Message['attachments'] } : {}),
		e2e: 'done',
	};
}

function keyFor(rid: string) {
	return (kid: string) => {
		const rk = roomKeys.get(rid);
		if (!rk) return undefined;
		return rk.old.get(kid)?.key ?? (rk.current?.kid === kid ? rk.current.key : rk.current?.key);
	};
}

function incoming(list: Message[]): Message[] {
	let changed = false;
	const out = list.map((m) => {
		if (m.t === 'e2e' && m.e2e !== 'done' && cipherOf(m) === undefined) {
			// A copy without its content (an answer that left it out): keep
			// the clear text this client already has for the message.
			const known = roomMessages(m.rid).messages.find((x) => x._id === m._id);
			if (known && (known.e2e === 'done' || known.pending) && known.msg) {
				changed = true;
				return { ...m, msg: known.msg, e2e: 'done' };
			}
			return m;
		}
		if (!needsDecryption(m)) return m;
		const c = cipherOf(m);
		if (c === undefined) return m;
		const hit = decrypted.get(cacheKey(c));
		if (hit) {
			changed = true;
			return withClear(m, hit);
		}
		void decryptLater(m, c);
		return m;
	});
	return changed ? out : list;
}

async function decryptLater(m: Message, c: string | EncryptedContent) {
	const k = cacheKey(c);
	if (inFlight.has(k) || !roomKeys.get(m.rid)?.current) return;
	inFlight.add(k);
	try {
		const clear = await decryptContent(c, keyFor(m.rid));
		decrypted.set(k, clear);
		upsert([withClear(m, clear)]);
	} catch (err) {
		console.warn(`e2e: cannot decrypt message ${m._id}`, err);
	} finally {
		inFlight.delete(k);
	}
}

/** decryptMessage opens one message (for views that keep their own lists, such as panels). */
export async function decryptMessage(m: Message): Promise<Message> {
	if (!needsDecryption(m)) return m;
	const c = cipherOf(m);
	if (c === undefined) return m;
	const hit = decrypted.get(cacheKey(c));
	if (hit) return withClear(m, hit);
	try {
		const clear = await decryptContent(c, keyFor(m.rid));
		decrypted.set(cacheKey(c), clear);
		return withClear(m, clear);
	} catch {
		return m;
	}
}

export class RoomKeyMissingError extends Error {
	constructor(detail: string) {
		super(detail);
		this.name = 'RoomKeyMissingError';
	}
}

async function outgoing(rid: string, text: string): Promise<Record<string, unknown> | undefined> {
	const room = roomOf(rid);
	if (!isEncryptedRoom(room)) return undefined;
	const st = e2eState.get().status;
	if (st === 'off') throw new RoomKeyMissingError('This room is end-to-end encrypted, and encryption is turned off on this server.');
	if (st !== 'ready') throw new RoomKeyMissingError('This room is end-to-end encrypted: enter your encryption passphrase first.');
	let rk = roomKeys.get(rid)?.current;
	if (!rk) {
		await handshake(rid);
		rk = roomKeys.get(rid)?.current;
	}
	if (!rk) throw new RoomKeyMissingError("This room's encryption key has not reached this browser yet; a member who has it must be online.");
	const clear: ClearContent = { msg: text };
	const content = await encryptContent(rk, clear);
	decrypted.set(content.ciphertext, clear);
	return { t: 'e2e', e2e: 'pending', content, e2eMentions: e2eMentions(text) };
}

setIncomingFilter(incoming);
setMessageDecoder((list) => Promise.all(list.map(decryptMessage)));
setOutgoingEncryptor(outgoing);
