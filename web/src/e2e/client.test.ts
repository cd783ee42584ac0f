import { beforeAll, describe, expect, test, vi } from 'vitest';

import { createStore } from '../lib/store';
import {
	decryptContent,
	decryptPrivateKey,
	encryptContent,
	encryptPrivateKey,
	generateUserKeys,
	importPrivateKey,
	unwrapRoomKey,
	WrongPassphraseError,
	wrapRoomKey,
	type EncryptedContentV2,
	type RoomKey,
	type UserKeys,
} from './crypto';

// The encryption client against a fake server that answers the e2e.*
// endpoints as Rocket.Chat does; the other member (bob) is played here with
// the crypto functions, as another client would.

type Handler = (...args: unknown[]) => void;
const streams = new Map<string, Handler>();
const posts: { path: string; body: Record<string, unknown> }[] = [];
const calls: unknown[][] = [];
const server = {
	publicKey: undefined as string | undefined,
	privateKey: undefined as string | undefined,
	usersWithoutKey: [] as { _id: string; e2e: { public_key: string } }[],
	roomKeyId: undefined as string | undefined,
};

const storage = new Map<string, string>();
vi.stubGlobal('localStorage', {
	getItem: (k: string) => storage.get(k) ?? null,
	setItem: (k: string, v: string) => void storage.set(k, v),
	removeItem: (k: string) => void storage.delete(k),
});

const me = { _id: 'alice1', username: 'alice' };
const settings = createStore<Record<string, unknown>>({ E2E_Enable: true });

vi.mock('../lib/session', () => ({
	currentUser: () => me,
	publicSettings: settings,
	onLogout: () => () => undefined,
	connection: {
		call: async (...a: unknown[]) => {
			calls.push(a);
			if (a[0] === 'loadHistory') return { messages: [] };
			return undefined;
		},
		rest: {
			get: async (path: string) => {
				if (path === '/v1/e2e.fetchMyKeys') return { public_key: server.publicKey, private_key: server.privateKey };
				if (path === '/v1/e2e.getUsersOfRoomWithoutKey') return { users: server.usersWithoutKey };
				throw new Error(`unexpected GET ${path}`);
			},
			post: async (path: string, body: Record<string, unknown>) => {
				posts.push({ path, body });
				if (path === '/v1/e2e.setUserPublicAndPrivateKeys') {
					server.publicKey = body.public_key as string;
					server.privateKey = body.private_key as string;
				}
				if (path === '/v1/e2e.setRoomKeyID') server.roomKeyId = body.keyID as string;
				if (path === '/v1/chat.sendMessage') return { message: { ...(body.message as object), ts: { $date: Date.now() }, _updatedAt: { $date: Date.now() }, u: me } };
				return {};
			},
			getRaw: async () => ({}),
		},
		stream: (name: string, event: string, cb: Handler) => {
			streams.set(`${name}:${event}`, cb);
			return () => streams.delete(`${name}:${event}`);
		},
		onResumed: () => () => undefined,
	},
}));

const client = await import('./client');
const { roomsStore } = await import('../chat/rooms');
const { openRoom, roomMessages, upsert } = await import('../chat/messages');
const { sendMessage } = await import('../features/room/actions');
const { normalizeMessage } = await import('../chat/types');

const until = async (fn: () => unknown, what: string) => {
	for (let i = 0; i < 400; i++) {
		if (fn()) return;
		await new Promise((r) => setTimeout(r, 10));
	}
	throw new Error(`timed out waiting for ${what}`);
};

function setRoom(room: Record<string, unknown>, sub: Record<string, unknown>) {
	roomsStore.set((st) => ({
		loaded: true,
		rooms: new Map(st.rooms).set(room._id as string, { updatedAt: 0, ...room } as never),
		subs: new Map(st.subs).set(room._id as string, { rid: room._id, _id: `s-${room._id as string}`, name: 'r', t: room.t, u: me, open: true, unread: 0, userMentions: 0, groupMentions: 0, ts: 0, updatedAt: 0, ...sub } as never),
	}));
}

let bob: UserKeys;
let bobRoomKey: RoomKey;

beforeAll(async () => {
	bob = await generateUserKeys();
	server.usersWithoutKey = [{ _id: 'bob1', e2e: { public_key: bob.publicKey } }];
});

describe('the encryption client', () => {
	test('with no keys anywhere it makes a pair and saves it under a new passphrase', async () => {
		client.startE2E();
		await until(() => client.e2eState.get().status === 'ready', 'ready');
		const phrase = client.e2eState.get().newPassphrase;
		expect(phrase).toBeTruthy();
		expect(server.privateKey).toBeTruthy();
		const jwk = await decryptPrivateKey(server.privateKey!, phrase!, me._id);
		expect(JSON.parse(jwk).n).toBe(JSON.parse(server.publicKey!).n);
		expect(posts.some((p) => p.path === '/v1/e2e.requestSubscriptionKeys')).toBe(true);
		client.passphraseSaved();
		expect(client.e2eState.get().newPassphrase).toBeUndefined();
		expect(storage.has('e2e.randomPassword')).toBe(false);
	});

	test('the first member makes the room key and hands bob a copy', async () => {
		setRoom({ _id: 'R1', t: 'p', encrypted: true }, {});
		await until(() => client.roomKeyState.get().get('R1') === 'ready', 'room key');
		const setId = posts.find((p) => p.path === '/v1/e2e.setRoomKeyID');
		expect(setId?.body.keyID).toMatch(/^[0-9a-f-]{36}$/);
		const mine = posts.find((p) => p.path === '/v1/e2e.updateGroupKey');
		expect(mine?.body).toMatchObject({ rid: 'R1', uid: me._id });
		await until(() => posts.some((p) => p.path === '/v1/e2e.provideUsersSuggestedGroupKeys'), 'suggested keys');
		const provided = posts.find((p) => p.path === '/v1/e2e.provideUsersSuggestedGroupKeys')!.body as { usersSuggestedGroupKeys: Record<string, { _id: string; key: string }[]> };
		const forBob = provided.usersSuggestedGroupKeys.R1?.[0];
		expect(forBob?._id).toBe('bob1');
		bobRoomKey = await unwrapRoomKey(forBob!.key, bob.privateKey);
		expect(bobRoomKey.kid).toBe(setId?.body.keyID);
	});

	test('a message sent in the room leaves encrypted, and bob reads it', async () => {
		setRoom({ _id: 'R1', t: 'p', encrypted: true, e2eKeyId: server.roomKeyId }, { E2EKey: (posts.find((p) => p.path === '/v1/e2e.updateGroupKey')!.body.key as string) });
		await openRoom('R1');
		await sendMessage('R1', 'meet at @bob place', { tmid: 'T1' });
		const sent = posts.filter((p) => p.path === '/v1/chat.sendMessage').pop()!.body.message as Record<string, unknown>;
		expect(sent.msg).toBeUndefined();
		expect(sent).toMatchObject({ rid: 'R1', t: 'e2e', e2e: 'pending', tmid: 'T1', e2eMentions: { e2eUserMentions: ['@bob'], e2eChannelMentions: [] } });
		expect(JSON.stringify(sent)).not.toContain('meet at');
		const clear = await decryptContent(sent.content as EncryptedContentV2, () => bobRoomKey.key);
		expect(clear).toEqual({ msg: 'meet at @bob place' });
		// The server's echo (ciphertext only) shows in clear at once.
		const shown = roomMessages('R1').messages.find((m) => m._id === sent._id);
		expect(shown?.msg).toBe('meet at @bob place');
	});

	test("bob's encrypted message is shown decrypted", async () => {
		const content = await encryptContent(bobRoomKey, { msg: 'see you there' });
		upsert([normalizeMessage({ _id: 'B1', rid: 'R1', t: 'e2e', e2e: 'pending', msg: '', content, ts: { $date: 5 }, _updatedAt: { $date: 5 }, u: { _id: 'bob1', username: 'bob' } })]);
		expect(roomMessages('R1').messages.find((m) => m._id === 'B1')?.msg).toBe('');
		await until(() => roomMessages('R1').messages.find((m) => m._id === 'B1')?.msg === 'see you there', 'decryption');
		expect(roomMessages('R1').messages.find((m) => m._id === 'B1')?.e2e).toBe('done');
	});

	test('a room whose key is elsewhere asks for it, then accepts a suggested copy', async () => {
		const other = { kid: crypto.randomUUID(), ...(await (async () => {
			const k = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
			return { key: k, jwk: JSON.stringify(await crypto.subtle.exportKey('jwk', k)) };
		})()) };
		setRoom({ _id: 'R2', t: 'd', encrypted: true, e2eKeyId: other.kid }, {});
		await until(() => client.roomKeyState.get().get('R2') === 'waiting', 'waiting');
		await until(() => calls.some((c) => c[0] === 'stream-notify-room-users'), 'key request');
		expect(calls.find((c) => c[0] === 'stream-notify-room-users')).toEqual(['stream-notify-room-users', 'R2/e2ekeyRequest', 'R2', other.kid]);
		const suggested = await wrapRoomKey(other, server.publicKey!);
		setRoom({ _id: 'R2', t: 'd', encrypted: true, e2eKeyId: other.kid }, { E2ESuggestedKey: suggested });
		await until(() => client.roomKeyState.get().get('R2') === 'ready', 'ready with the suggested key');
		expect(posts.find((p) => p.path === '/v1/e2e.acceptSuggestedGroupKey')?.body).toEqual({ rid: 'R2' });
	});

	test('sending where the key is missing fails and sends nothing in clear', async () => {
		setRoom({ _id: 'R3', t: 'p', encrypted: true, e2eKeyId: crypto.randomUUID() }, {});
		await openRoom('R3');
		const before = posts.length;
		await expect(sendMessage('R3', 'top secret')).rejects.toThrow(/key/);
		expect(posts.slice(before).filter((p) => p.path === '/v1/chat.sendMessage')).toEqual([]);
		expect(roomMessages('R3').messages[0]?.failed).toMatch(/key/);
	});

	test('on a new browser the keys stay locked until the right passphrase', async () => {
		client.stopE2E();
		storage.clear();
		const keys = await generateUserKeys();
		server.publicKey = keys.publicKey;
		server.privateKey = await encryptPrivateKey(keys.privateJwk, 'the right words', me._id, 1000);
		client.startE2E();
		await until(() => client.e2eState.get().status === 'locked', 'locked');
		await expect(client.unlock('wrong words')).rejects.toBeInstanceOf(WrongPassphraseError);
		expect(client.e2eState.get().status).toBe('locked');
		await client.unlock('the right words');
		expect(client.e2eState.get()).toEqual({ status: 'ready', newPassphrase: undefined });
		expect(storage.get('private_key')).toBe(keys.privateJwk);
		await importPrivateKey(storage.get('private_key')!);
	});
});
