// End-to-end encryption with Rocket.Chat's formats, through WebCrypto, so that
// what this client writes the official web and mobile apps read, and the
// reverse:
//
// - a user's key pair is RSA-OAEP 2048 with SHA-256; both halves travel as
//   JSON Web Keys serialised to strings (users.e2e.public_key/private_key);
// - the private key is stored on the server encrypted with a key derived
//   from the user's passphrase by PBKDF2-SHA-256: the current format is
//   {"iv","ciphertext","salt","iterations"} (AES-256-GCM, 12-byte IV, salt
//   "v2:<uid>:<random>", 100,000 iterations); the older one,
//   {"$binary": base64(iv[16] + AES-CBC ciphertext)} with the user id as
//   salt and 1,000 iterations, is still read;
// - a room key is an AES key exported as JWK (A256GCM today, A128CBC in old
//   rooms); each member's copy is that JWK string encrypted with the
//   member's RSA public key, written "<keyID>" + base64(256 bytes) — the
//   key ID is a UUID today, 12 characters in old rooms;
// - a message's `content` is {algorithm: "rc.v2.aes-sha2", kid, iv,
//   ciphertext} where the plaintext is the JSON of {msg, attachments...}
//   encrypted with the room key (AES-GCM: 12-byte IV, tag appended); older
//   messages carry "rc.v1.aes-sha2": a string "<kid[12]>" + base64(iv[16] +
//   AES-CBC ciphertext), in `content.ciphertext` or in `msg`.

const subtle = () => globalThis.crypto.subtle;

// ---- bytes and strings ----

/** bytesOf turns a string into bytes one character per byte (latin-1), as Rocket.Chat's client does for keys and passphrases; characters above U+00FF are UTF-8 encoded instead. */
export function bytesOf(s: string): Uint8Array<ArrayBuffer> {
	for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return new TextEncoder().encode(s) as Uint8Array<ArrayBuffer>;
	const out = new Uint8Array(s.length);
	for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
	return out;
}

/** stringOf is bytesOf's inverse for latin-1 strings (one character per byte). */
export function stringOf(bytes: Uint8Array): string {
	let out = '';
	for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode(...bytes.subarray(i, i + 8192));
	return out;
}

export function toBase64(bytes: Uint8Array): string {
	return btoa(stringOf(bytes));
}

export function fromBase64(s: string): Uint8Array<ArrayBuffer> {
	return bytesOf(atob(s));
}

function utf8(s: string): Uint8Array<ArrayBuffer> {
	return new TextEncoder().encode(s) as Uint8Array<ArrayBuffer>;
}

function random(n: number): Uint8Array<ArrayBuffer> {
	return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

// ---- the user's key pair ----

const RSA = { name: 'RSA-OAEP', hash: { name: 'SHA-256' } } as const;

export type UserKeys = {
	/** the public JWK as a string, as stored in users.e2e.public_key */
	publicKey: string;
	/** the private JWK as a string (never sent in clear) */
	privateJwk: string;
	privateKey: CryptoKey;
};

export async function generateUserKeys(): Promise<UserKeys> {
	const pair = await subtle().generateKey({ ...RSA, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, true, ['encrypt', 'decrypt']);
	const pub = await subtle().exportKey('jwk', pair.publicKey);
	const priv = await subtle().exportKey('jwk', pair.privateKey);
	return { publicKey: JSON.stringify(pub), privateJwk: JSON.stringify(priv), privateKey: pair.privateKey };
}

export async function importPrivateKey(privateJwk: string): Promise<CryptoKey> {
	return subtle().importKey('jwk', JSON.parse(privateJwk) as JsonWebKey, RSA, true, ['decrypt']);
}

export async function importPublicKey(publicKey: string): Promise<CryptoKey> {
	return subtle().importKey('jwk', JSON.parse(publicKey) as JsonWebKey, RSA, true, ['encrypt']);
}

// ---- the private key under the passphrase ----

export const PBKDF2_ITERATIONS = 100_000;

async function passphraseKey(passphrase: string, salt: string, iterations: number, algorithm: 'AES-GCM' | 'AES-CBC'): Promise<CryptoKey> {
	const base = await subtle().importKey('raw', bytesOf(passphrase), { name: 'PBKDF2' }, false, ['deriveBits']);
	const bits = await subtle().deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: bytesOf(salt), iterations }, base, 256);
	return subtle().importKey('raw', bits, { name: algorithm, length: 256 }, false, algorithm === 'AES-GCM' ? ['encrypt', 'decrypt'] : ['decrypt']);
}

export type StoredPrivateKeyV2 = { iv: string; ciphertext: string; salt: string; iterations: number };

/** encryptPrivateKey returns what e2e.setUserPublicAndPrivateKeys takes as private_key (the v2 format). */
export async function encryptPrivateKey(privateJwk: string, passphrase: string, userId: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
	const salt = `v2:${userId}:${globalThis.crypto.randomUUID()}`;
	const key = await passphraseKey(passphrase, salt, iterations, 'AES-GCM');
	const iv = random(12);
	const ciphertext = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv }, key, bytesOf(privateJwk)));
	const stored: StoredPrivateKeyV2 = { iv: toBase64(iv), ciphertext: toBase64(ciphertext), salt, iterations };
	return JSON.stringify(stored);
}

export class WrongPassphraseError extends Error {
	constructor() {
		super('The passphrase is not the one these keys were saved with.');
		this.name = 'WrongPassphraseError';
	}
}

/** decryptPrivateKey reads both stored formats and returns the private JWK string. */
export async function decryptPrivateKey(stored: string, passphrase: string, userId: string): Promise<string> {
	let parsed: unknown;
	try {
		parsed = JSON.parse(stored);
	} catch {
		throw new Error('The stored private key is not in a known format.');
	}
	let iv: Uint8Array<ArrayBuffer>;
	let ciphertext: Uint8Array<ArrayBuffer>;
	let salt: string;
	let iterations: number;
	let algorithm: 'AES-GCM' | 'AES-CBC';
	const o = (parsed ?? {}) as Record<string, unknown>;
	if (typeof o.$binary === 'string') {
		const all = fromBase64(o.$binary);
		iv = all.slice(0, 16);
		ciphertext = all.slice(16);
		salt = userId;
		iterations = 1000;
		algorithm = 'AES-CBC';
	} else if (typeof o.iv === 'string' && typeof o.ciphertext === 'string' && typeof o.salt === 'string' && typeof o.iterations === 'number') {
		iv = fromBase64(o.iv);
		ciphertext = fromBase64(o.ciphertext);
		salt = o.salt;
		iterations = o.iterations;
		// Rocket.Chat picks the cipher by the IV's length.
		algorithm = iv.length === 16 ? 'AES-CBC' : 'AES-GCM';
	} else {
		throw new Error('The stored private key is not in a known format.');
	}
	const key = await passphraseKey(passphrase, salt, iterations, algorithm);
	let plain: Uint8Array;
	try {
		plain = new Uint8Array(await subtle().decrypt({ name: algorithm, iv }, key, ciphertext));
	} catch {
		throw new WrongPassphraseError();
	}
	const jwk = stringOf(plain);
	try {
		JSON.parse(jwk);
	} catch {
		// AES-CBC has no integrity check: a wrong passphrase may decrypt to noise.
		throw new WrongPassphraseError();
	}
	return jwk;
}

// ---- room keys ----

export type RoomKey = { kid: string; key: CryptoKey; /** the exported JWK string, what members' copies wrap */ jwk: string };

export async function generateRoomKey(): Promise<RoomKey> {
	const key = await subtle().generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
	const jwk = JSON.stringify(await subtle().exportKey('jwk', key));
	return { kid: globalThis.crypto.randomUUID(), key, jwk };
}

export async function importRoomKeyJwk(kid: string, jwk: string): Promise<RoomKey> {
	const parsed = JSON.parse(jwk) as JsonWebKey;
	let algorithm: AesKeyAlgorithm;
	if (parsed.alg === 'A256GCM') algorithm = { name: 'AES-GCM', length: 256 };
	else if (parsed.alg === 'A128CBC') algorithm = { name: 'AES-CBC', length: 128 };
	else throw new Error(`Unsupported room key algorithm ${String(parsed.alg)}`);
	const key = await subtle().importKey('jwk', parsed, algorithm, true, ['encrypt', 'decrypt']);
	return { kid, key, jwk };
}

/** A wrapped key is "<keyID>" + base64 of the 256-byte RSA ciphertext, always 344 characters. */
const WRAPPED_LENGTH = 344;

export function splitWrappedKey(wrapped: string): [kid: string, data: Uint8Array<ArrayBuffer>] {
	if (wrapped.length < WRAPPED_LENGTH) throw new Error('The room key copy is too short.');
	const data = fromBase64(wrapped.slice(-WRAPPED_LENGTH));
	if (data.length !== 256) throw new Error('The room key copy does not hold 256 bytes.');
	return [wrapped.slice(0, -WRAPPED_LENGTH), data];
}

/** wrapRoomKey makes a member's copy of a room key (E2EKey / suggested key). */
export async function wrapRoomKey(room: Pick<RoomKey, 'kid' | 'jwk'>, memberPublicKey: string | CryptoKey): Promise<string> {
	const pub = typeof memberPublicKey === 'string' ? await importPublicKey(memberPublicKey) : memberPublicKey;
	const data = new Uint8Array(await subtle().encrypt({ name: 'RSA-OAEP' }, pub, bytesOf(room.jwk)));
	return room.kid + toBase64(data);
}

/** unwrapRoomKey opens one's copy of a room key with one's private key. */
export async function unwrapRoomKey(wrapped: string, privateKey: CryptoKey): Promise<RoomKey> {
	const [kid, data] = splitWrappedKey(wrapped);
	const jwk = stringOf(new Uint8Array(await subtle().decrypt({ name: 'RSA-OAEP' }, privateKey, data)));
	return importRoomKeyJwk(kid, jwk);
}

// ---- message content ----

export type EncryptedContentV2 = { algorithm: 'rc.v2.aes-sha2'; kid: string; iv: string; ciphertext: string };
export type EncryptedContentV1 = { algorithm: 'rc.v1.aes-sha2'; ciphertext: string };
export type EncryptedContent = EncryptedContentV1 | EncryptedContentV2;

/** What an encrypted message's content holds once decrypted. */
export type ClearContent = { msg?: string; attachments?: unknown[]; files?: unknown[]; file?: unknown; [k: string]: unknown };

export function isEncryptedContent(c: unknown): c is EncryptedContent {
	if (!c || typeof c !== 'object') return false;
	const o = c as Record<string, unknown>;
	if (o.algorithm === 'rc.v2.aes-sha2') return typeof o.kid === 'string' && typeof o.iv === 'string' && typeof o.ciphertext === 'string';
	return o.algorithm === 'rc.v1.aes-sha2' && typeof o.ciphertext === 'string';
}

/** encryptContent encrypts a message's clear part (msg, attachments) with the room key. */
export async function encryptContent(room: Pick<RoomKey, 'kid' | 'key'>, clear: ClearContent): Promise<EncryptedContentV2> {
	const gcm = room.key.algorithm.name === 'AES-GCM';
	const iv = random(gcm ? 12 : 16);
	const data = utf8(JSON.stringify(clear));
	const ciphertext = new Uint8Array(await subtle().encrypt({ name: room.key.algorithm.name, iv }, room.key, data));
	return { algorithm: 'rc.v2.aes-sha2', kid: room.kid, iv: toBase64(iv), ciphertext: toBase64(ciphertext) };
}

export type DecodedContent = { kid: string; iv: Uint8Array<ArrayBuffer>; ciphertext: Uint8Array<ArrayBuffer> };

export function decodeContent(c: string | EncryptedContent): DecodedContent {
	if (typeof c === 'string') c = { algorithm: 'rc.v1.aes-sha2', ciphertext: c };
	if (c.algorithm === 'rc.v2.aes-sha2') return { kid: c.kid, iv: fromBase64(c.iv), ciphertext: fromBase64(c.ciphertext) };
	if (c.algorithm === 'rc.v1.aes-sha2') {
		const all = fromBase64(c.ciphertext.slice(12));
		return { kid: c.ciphertext.slice(0, 12), iv: all.slice(0, 16), ciphertext: all.slice(16) };
	}
	throw new Error('Unsupported encryption algorithm');
}

/**
 * decryptContent opens a message's content with the room key its kid names
 * (else the room's current key, as Rocket.Chat tries) and returns the clear
 * part; old payloads carried the text as `text`, it comes back as `msg`.
 */
export async function decryptContent(c: string | EncryptedContent, keyFor: (kid: string) => CryptoKey | undefined): Promise<ClearContent> {
	const { kid, iv, ciphertext } = decodeContent(c);
	const key = keyFor(kid);
	if (!key) throw new Error(`No key ${kid} for this message`);
	const plain = await subtle().decrypt({ name: key.algorithm.name, iv }, key, ciphertext);
	const parsed: unknown = JSON.parse(new TextDecoder().decode(plain));
	if (!parsed || typeof parsed !== 'object') throw new Error('The decrypted message is not an object');
	const out = { ...(parsed as Record<string, unknown>) } as ClearContent;
	if (typeof out.text === 'string' && !('msg' in out)) {
		out.msg = out.text;
		delete out.text;
	}
	return out;
}

// ---- passphrases ----

// Letters and digits that cannot be mistaken for one another.
const PASSPHRASE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** newPassphrase makes a random passphrase: six groups of five characters (about 148 bits). */
export function newPassphrase(): string {
	const groups: string[] = [];
	const limit = 256 - (256 % PASSPHRASE_ALPHABET.length);
	for (let g = 0; g < 6; g++) {
		let group = '';
		while (group.length < 5) {
			const [b] = random(1);
			if (b !== undefined && b < limit) group += PASSPHRASE_ALPHABET[b % PASSPHRASE_ALPHABET.length];
		}
		groups.push(group);
	}
	return groups.join('-');
}

// ---- mentions ----

const NAME = '[0-9a-zA-Z-_.]+';

/** e2eMentions lists the @user and #channel mentions of a text, which the server cannot read in the ciphertext. */
export function e2eMentions(text: string): { e2eUserMentions: string[]; e2eChannelMentions: string[] } {
	const pick = (sigil: string) => {
		const re = new RegExp(`(?:^|\\s|>)(${sigil}${NAME}(?:@${NAME})?)`, 'gm');
		return [...new Set(Array.from(text.matchAll(re), (m) => (m[1] ?? '').replace(/[.-]+$/, '')))];
	};
	return { e2eUserMentions: pick('@'), e2eChannelMentions: pick('#') };
}
