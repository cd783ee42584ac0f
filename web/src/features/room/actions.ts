import { addPending, markFailed, remove, upsert } from '../../chat/messages';
import { normalizeMessage, roomPath, type Message } from '../../chat/types';
import { subscriptionOf } from '../../chat/rooms';
import { connection, currentUser } from '../../lib/session';
import { createStore } from '../../lib/store';

// What a user does to messages, through Rocket.Chat's REST API.

const ID_CHARS = '23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz';

/** newId makes a 17-character id as Meteor does: the client picks the id, so a retried send cannot post twice. */
export function newId(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(17));
	let out = '';
	for (const b of bytes) out += ID_CHARS[b % ID_CHARS.length];
	return out;
}

/**
 * An outgoing encryptor gives the fields that replace a message's text in an
 * end-to-end encrypted room (t: 'e2e', e2e: 'pending', content,
 * e2eMentions); it answers undefined for a room that is not encrypted and
 * throws when the room's key is not available, so nothing leaves in clear.
 */
export type OutgoingEncryptor = (rid: string, text: string) => Promise<Record<string, unknown> | undefined>;
let encryptOutgoing: OutgoingEncryptor = async () => undefined;

export function setOutgoingEncryptor(f: OutgoingEncryptor) {
	encryptOutgoing = f;
}

export async function sendMessage(rid: string, text: string, opts: { tmid?: string; tshow?: boolean } = {}): Promise<void> {
	const me = currentUser();
	const _id = newId();
	if (me) {
		addPending({
			_id,
			rid,
			msg: text,
			ts: Date.now(),
			updatedAt: Date.now(),
			u: { _id: me._id, username: me.username, name: me.name },
			pending: true,
			...(opts.tmid ? { tmid: opts.tmid, tshow: opts.tshow } : {}),
		});
	}
	try {
		const encrypted = await encryptOutgoing(rid, text);
		const message = encrypted ? { _id, rid, ...encrypted, ...opts } : { _id, rid, msg: text, ...opts };
		const answer = (await connection.rest.post('/v1/chat.sendMessage', { message } as never)) as unknown as { message: Record<string, unknown> };
		if (answer?.message) upsert([normalizeMessage(answer.message)]);
	} catch (err) {
		markFailed(rid, _id, err instanceof Error ? err.message : String(err));
		throw err;
	}
}

/** retrySend posts a failed message again with the same id. */
export async function retrySend(m: Message): Promise<void> {
	remove(m.rid, [m._id]);
	await sendMessage(m.rid, m.msg, m.tmid ? { tmid: m.tmid, tshow: m.tshow } : {});
}

export async function editMessage(m: Message, text: string) {
	const encrypted = await encryptOutgoing(m.rid, text);
	const body = encrypted ? { roomId: m.rid, msgId: m._id, content: encrypted.content, e2eMentions: encrypted.e2eMentions } : { roomId: m.rid, msgId: m._id, text };
	const answer = (await connection.rest.post('/v1/chat.update', body as never)) as unknown as { message?: Record<string, unknown> };
	if (answer?.message) upsert([normalizeMessage(answer.message)]);
}

export async function deleteMessage(m: Message) {
	await connection.rest.post('/v1/chat.delete', { roomId: m.rid, msgId: m._id } as never);
	remove(m.rid, [m._id]);
}

export async function react(m: Message, emoji: string, shouldReact?: boolean) {
	const code = emoji.startsWith(':') ? emoji : `:${emoji}:`;
	await connection.rest.post('/v1/chat.react', { messageId: m._id, emoji: code, ...(shouldReact === undefined ? {} : { shouldReact }) } as never);
}

export async function setPinned(m: Message, pinned: boolean) {
	await connection.rest.postRaw(pinned ? '/v1/chat.pinMessage' : '/v1/chat.unPinMessage', { messageId: m._id } as never);
}

export async function setStarred(m: Message, starred: boolean) {
	await connection.rest.postRaw(starred ? '/v1/chat.starMessage' : '/v1/chat.unStarMessage', { messageId: m._id } as never);
}

export async function setFollowing(m: Message, follow: boolean) {
	await connection.rest.postRaw(follow ? '/v1/chat.followMessage' : '/v1/chat.unfollowMessage', { mid: m._id } as never);
}

/** permalink is the message's address, as Rocket.Chat makes it (room path + ?msg=ID). */
export function permalink(m: Message): string {
	const sub = subscriptionOf(m.rid);
	const path = sub ? roomPath(sub) : `/channel/${m.rid}`;
	return `${window.location.origin}${path}${m.tmid ? `/thread/${m.tmid}` : ''}?msg=${m._id}`;
}

/** The composer's state that message actions change: editing a message, quoting one. */
export type ComposerIntent = { kind: 'edit'; message: Message } | { kind: 'quote'; message: Message } | { kind: 'insert'; text: string };

export const composerIntent = createStore<{ key: string; intent: ComposerIntent } | undefined>(undefined);

export function requestComposer(key: string, intent: ComposerIntent) {
	composerIntent.set({ key, intent });
}

/** canEdit: own messages (within the server's time limit, which the server enforces) or with edit-message. */
export function isOwn(m: Message): boolean {
	return m.u._id === currentUser()?._id;
}

export async function markRead(rid: string) {
	await connection.rest.post('/v1/subscriptions.read', { rid });
}

export async function sendTyping(rid: string, typing: boolean) {
	const me = currentUser();
	if (!me) return;
	await connection.call('stream-notify-room', `${rid}/user-activity`, me.username, typing ? ['user-typing'] : [], {});
}
