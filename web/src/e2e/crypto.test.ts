import { describe, expect, it } from 'vitest';

import fixture from './testdata/fixture.json';
import {
	decodeContent,
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
	splitWrappedKey,
	unwrapRoomKey,
	WrongPassphraseError,
	wrapRoomKey,
	type EncryptedContentV2,
} from './crypto';

// The fixture comes from scripts/e2e-fixture.mjs: Node's OpenSSL bindings,
// not WebCrypto, writing Rocket.Chat's formats.

describe('the private key under a passphrase', () => {
	it('round-trips in the v2 format, and a wrong passphrase fails', async () => {
		const keys = await generateUserKeys();
		const stored = await encryptPrivateKey(keys.privateJwk, 'correct horse', 'uid1', 1000);
		const parsed = JSON.parse(stored) as Record<string, unknown>;
		expect(Object.keys(parsed).sort()).toEqual(['ciphertext', 'iterations', 'iv', 'salt']);
		expect(parsed.salt).toMatch(/^v2:uid1:[0-9a-f-]{36}$/);
		expect(atob(parsed.iv as string)).toHaveLength(12);
		expect(stored).not.toContain(JSON.parse(keys.privateJwk).d);
		expect(await decryptPrivateKey(stored, 'correct horse', 'uid1')).toBe(keys.privateJwk);
		await expect(decryptPrivateKey(stored, 'wrong horse', 'uid1')).rejects.toBeInstanceOf(WrongPassphraseError);
	});

	it('uses 100,000 PBKDF2 rounds by default, as Rocket.Chat does', async () => {
		const keys = await generateUserKeys();
		const stored = JSON.parse(await encryptPrivateKey(keys.privateJwk, 'p', 'u')) as { iterations: number };
		expect(stored.iterations).toBe(100_000);
	});

	it('reads a v2 private key written by Node', async () => {
		const jwk = await decryptPrivateKey(fixture.v2.privateKey, fixture.passphrase, fixture.userId);
		expect(JSON.parse(jwk).kty).toBe('RSA');
		await importPrivateKey(jwk);
		await expect(decryptPrivateKey(fixture.v2.privateKey, 'nope', fixture.userId)).rejects.toBeInstanceOf(WrongPassphraseError);
	});

	it('reads a v1 ($binary, AES-CBC) private key written by Node', async () => {
		const jwk = await decryptPrivateKey(fixture.v1.privateKey, fixture.passphrase, fixture.userId);
		expect(JSON.parse(jwk).n).toBe(JSON.parse(fixture.publicKey).n);
		await expect(decryptPrivateKey(fixture.v1.privateKey, 'nope', fixture.userId)).rejects.toBeInstanceOf(WrongPassphraseError);
	});

	it('refuses what is not a stored key', async () => {
		await expect(decryptPrivateKey('{"x":1}', 'p', 'u')).rejects.toThrow(/known format/);
		await expect(decryptPrivateKey('not json', 'p', 'u')).rejects.toThrow(/known format/);
	});
});

describe('room keys', () => {
	it('wraps a key for a member, who alone unwraps it', async () => {
		const alice = await generateUserKeys();
		const bob = await generateUserKeys();
		const room = await generateRoomKey();
		expect(room.kid).toMatch(/^[0-9a-f-]{36}$/);
		expect(JSON.parse(room.jwk).alg).toBe('A256GCM');
		const forBob = await wrapRoomKey(room, bob.publicKey);
		expect(forBob.startsWith(room.kid)).toBe(true);
		expect(forBob).toHaveLength(36 + 344);
		const opened = await unwrapRoomKey(forBob, bob.privateKey);
		expect(opened.kid).toBe(room.kid);
		expect(opened.jwk).toBe(room.jwk);
		await expect(unwrapRoomKey(forBob, alice.privateKey)).rejects.toThrow();
	});

	it('splits a 12-character key ID from an old copy', () => {
		const [kid, data] = splitWrappedKey(fixture.v1.e2eKey);
		expect(kid).toBe(fixture.v1.kid);
		expect(data).toHaveLength(256);
		expect(() => splitWrappedKey('short')).toThrow();
	});
});

describe('messages', () => {
	it('round-trips a message through rc.v2.aes-sha2 between two members', async () => {
		const bob = await generateUserKeys();
		const room = await generateRoomKey();
		const content = await encryptContent(room, { msg: 'secret 🤫 @bob' });
		expect(content.algorithm).toBe('rc.v2.aes-sha2');
		expect(content.kid).toBe(room.kid);
		expect(atob(content.iv)).toHaveLength(12);
		expect(JSON.stringify(content)).not.toContain('secret');
		expect(isEncryptedContent(content)).toBe(true);
		const bobsCopy = await unwrapRoomKey(await wrapRoomKey(room, bob.publicKey), bob.privateKey);
		const clear = await decryptContent(content, (kid) => (kid === bobsCopy.kid ? bobsCopy.key : undefined));
		expect(clear).toEqual({ msg: 'secret 🤫 @bob' });
	});

	it('fails on a tampered ciphertext and on a missing key', async () => {
		const room = await generateRoomKey();
		const content = await encryptContent(room, { msg: 'x' });
		const bytes = Uint8Array.from(atob(content.ciphertext), (c) => c.charCodeAt(0));
		bytes[0] = (bytes[0] ?? 0) ^ 1;
		const tampered: EncryptedContentV2 = { ...content, ciphertext: btoa(String.fromCharCode(...bytes)) };
		await expect(decryptContent(tampered, () => room.key)).rejects.toThrow();
		await expect(decryptContent(content, () => undefined)).rejects.toThrow(/No key/);
	});

	it('decrypts a v2 message written by Node, with the key unwrapped from its copy', async () => {
		const priv = await importPrivateKey(await decryptPrivateKey(fixture.v2.privateKey, fixture.passphrase, fixture.userId));
		const room = await unwrapRoomKey(fixture.v2.e2eKey, priv);
		expect(room.kid).toBe(fixture.v2.kid);
		const clear = await decryptContent(fixture.v2.content as EncryptedContentV2, (kid) => (kid === room.kid ? room.key : undefined));
		expect(clear.msg).toBe(fixture.v2.text);
	});

	it('decrypts a v1 message (AES-CBC, text in msg) written by Node', async () => {
		const priv = await importPrivateKey(await decryptPrivateKey(fixture.v1.privateKey, fixture.passphrase, fixture.userId));
		const room = await unwrapRoomKey(fixture.v1.e2eKey, priv);
		expect(room.kid).toBe(fixture.v1.kid);
		expect(room.key.algorithm.name).toBe('AES-CBC');
		expect(decodeContent(fixture.v1.msg).kid).toBe(fixture.v1.kid);
		const clear = await decryptContent(fixture.v1.msg, (kid) => (kid === room.kid ? room.key : undefined));
		expect(clear.msg).toBe(fixture.v1.text);
		// An old room's key still encrypts (AES-CBC, 16-byte IV) in the v2 envelope.
		const again = await encryptContent(room, { msg: 'new text in an old room' });
		expect(atob(again.iv)).toHaveLength(16);
		expect((await decryptContent(again, () => room.key)).msg).toBe('new text in an old room');
	});
});

describe('helpers', () => {
	it('makes distinct ASCII passphrases', () => {
		const a = newPassphrase();
		expect(a).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){5}$/);
		expect(newPassphrase()).not.toBe(a);
	});

	it('lists mentions for the server', () => {
		expect(e2eMentions('hi @bob and @carol. see #general, not me@mail')).toEqual({ e2eUserMentions: ['@bob', '@carol'], e2eChannelMentions: ['#general'] });
	});
});
