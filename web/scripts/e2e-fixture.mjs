// Writes src/e2e/testdata/fixture.json: keys and messages in Rocket.Chat's
// end-to-end formats, produced with Node's OpenSSL bindings (createCipheriv,
// publicEncrypt, pbkdf2Sync) rather than WebCrypto, so that the client's
// unit tests check its WebCrypto code against an independent implementation.
//
//   node scripts/e2e-fixture.mjs
//
// Two sets: "v2" as Rocket.Chat 8 writes them (private key AES-256-GCM under
// PBKDF2 100,000 rounds, A256GCM room key with a UUID key ID, rc.v2.aes-sha2
// content) and "v1" as older clients wrote them (private key {$binary}
// AES-256-CBC under PBKDF2 1,000 rounds salted with the user id, A128CBC
// room key with a 12-character key ID, rc.v1.aes-sha2 in msg).

import { constants, createCipheriv, generateKeyPairSync, pbkdf2Sync, publicEncrypt, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'src', 'e2e', 'testdata', 'fixture.json');

const userId = 'fixtureUser1234567';
const passphrase = 'node fixture passphrase, not a secret';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
const pubJwk = { ...publicKey.export({ format: 'jwk' }), alg: 'RSA-OAEP-256', ext: true, key_ops: ['encrypt'] };
const privJwk = { ...privateKey.export({ format: 'jwk' }), alg: 'RSA-OAEP-256', ext: true, key_ops: ['decrypt'] };
const privJwkString = JSON.stringify(privJwk);

const latin1 = (s) => Buffer.from(s, 'latin1');
const b64 = (buf) => Buffer.from(buf).toString('base64');
const b64url = (buf) => Buffer.from(buf).toString('base64url');

function gcm(key, iv, data) {
	const c = createCipheriv(`aes-${key.length * 8}-gcm`, key, iv);
	return Buffer.concat([c.update(data), c.final(), c.getAuthTag()]);
}
function cbc(key, iv, data) {
	const c = createCipheriv(`aes-${key.length * 8}-cbc`, key, iv);
	return Buffer.concat([c.update(data), c.final()]);
}
const rsa = (data) => publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, data);

// v2
const saltV2 = `v2:${userId}:${randomUUID()}`;
const masterV2 = pbkdf2Sync(latin1(passphrase), latin1(saltV2), 100000, 32, 'sha256');
const ivV2 = randomBytes(12);
const privateKeyV2 = JSON.stringify({ iv: b64(ivV2), ciphertext: b64(gcm(masterV2, ivV2, latin1(privJwkString))), salt: saltV2, iterations: 100000 });

const roomKeyV2 = randomBytes(32);
const roomJwkV2 = JSON.stringify({ alg: 'A256GCM', ext: true, k: b64url(roomKeyV2), key_ops: ['encrypt', 'decrypt'], kty: 'oct' });
const kidV2 = randomUUID();
const e2eKeyV2 = kidV2 + b64(rsa(latin1(roomJwkV2)));
const textV2 = 'Héllo from Node — ünïcödé ✓ and @bob';
const msgIvV2 = randomBytes(12);
const contentV2 = {
	algorithm: 'rc.v2.aes-sha2',
	kid: kidV2,
	iv: b64(msgIvV2),
	ciphertext: b64(gcm(roomKeyV2, msgIvV2, Buffer.from(JSON.stringify({ msg: textV2 }), 'utf8'))),
};

// v1
const masterV1 = pbkdf2Sync(latin1(passphrase), latin1(userId), 1000, 32, 'sha256');
const ivV1 = randomBytes(16);
const privateKeyV1 = JSON.stringify({ $binary: b64(Buffer.concat([ivV1, cbc(masterV1, ivV1, latin1(privJwkString))])) });

const roomKeyV1 = randomBytes(16);
const roomJwkV1 = JSON.stringify({ alg: 'A128CBC', ext: true, k: b64url(roomKeyV1), key_ops: ['encrypt', 'decrypt'], kty: 'oct' });
const kidV1 = 'abcdef012345';
const e2eKeyV1 = kidV1 + b64(rsa(latin1(roomJwkV1)));
const textV1 = 'An old message, written before AES-GCM';
const msgIvV1 = randomBytes(16);
const payloadV1 = JSON.stringify({ _id: 'oldMessageId12345', text: textV1, userId, ts: { $date: 1700000000000 } });
const msgV1 = kidV1 + b64(Buffer.concat([msgIvV1, cbc(roomKeyV1, msgIvV1, Buffer.from(payloadV1, 'utf8'))]));

mkdirSync(dirname(out), { recursive: true });
writeFileSync(
	out,
	`${JSON.stringify(
		{
			userId,
			passphrase,
			publicKey: JSON.stringify(pubJwk),
			v2: { privateKey: privateKeyV2, e2eKey: e2eKeyV2, kid: kidV2, content: contentV2, text: textV2 },
			v1: { privateKey: privateKeyV1, e2eKey: e2eKeyV1, kid: kidV1, msg: msgV1, text: textV1 },
		},
		null,
		'\t',
	)}\n`,
);
console.log(`wrote ${out}`);
