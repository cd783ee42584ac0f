import type { IMessage, IRoom, ISubscription } from '@rocket.chat/core-typings';

import { toMillis, type WireDate } from '../lib/dates';

// The client's own shapes for messages, rooms and subscriptions: Rocket.Chat's
// (core-typings) with every date as epoch milliseconds, whichever transport
// delivered it.

export type UserRef = { _id: string; username: string; name?: string };

export type Reactions = Record<string, { usernames: string[]; names?: string[] }>;

export type Attachment = {
	title?: string;
	title_link?: string;
	text?: string;
	description?: string;
	author_name?: string;
	author_icon?: string;
	message_link?: string;
	image_url?: string;
	color?: string;
	ts?: number;
	type?: string;
	attachments?: Attachment[];
	fields?: { title: string; value: string; short?: boolean }[];
	[key: string]: unknown;
};

export type UrlPreview = {
	url: string;
	meta?: Record<string, string | undefined>;
	headers?: Record<string, string | undefined>;
	ignoreParse?: boolean;
};

export type Message = {
	_id: string;
	rid: string;
	msg: string;
	ts: number;
	u: UserRef;
	updatedAt: number;
	t?: string;
	tmid?: string;
	tshow?: boolean;
	tcount?: number;
	tlm?: number;
	replies?: string[];
	drid?: string;
	dcount?: number;
	dlm?: number;
	editedAt?: number;
	editedBy?: UserRef;
	reactions?: Reactions;
	pinned?: boolean;
	starred?: { _id: string }[];
	mentions?: UserRef[];
	channels?: { _id: string; name: string }[];
	attachments?: Attachment[];
	urls?: UrlPreview[];
	alias?: string;
	emoji?: string;
	avatar?: string;
	groupable?: boolean;
	role?: string;
	/** the parsed markdown the server may send (Rocket.Chat's md field) */
	md?: unknown;
	/** set by the client while a message it sent is not yet acknowledged */
	pending?: boolean;
	/** set by the client when sending failed */
	failed?: string;
	[key: string]: unknown;
};

export type Subscription = {
	_id: string;
	rid: string;
	name: string;
	fname?: string;
	t: string;
	u: UserRef;
	open: boolean;
	alert?: boolean;
	unread: number;
	userMentions: number;
	groupMentions: number;
	tunread?: string[];
	tunreadUser?: string[];
	tunreadGroup?: string[];
	f?: boolean;
	ls?: number;
	ts: number;
	lr?: number;
	roles?: string[];
	/** ignored lists the users whose messages the user hides in this room (ignoreUser). */
	ignored?: string[];
	archived?: boolean;
	prid?: string;
	teamMain?: boolean;
	teamId?: string;
	hideUnreadStatus?: boolean;
	hideMentionStatus?: boolean;
	disableNotifications?: boolean;
	desktopNotifications?: string;
	updatedAt: number;
};

export type Room = {
	_id: string;
	t: string;
	name?: string;
	fname?: string;
	topic?: string;
	announcement?: string;
	description?: string;
	lm?: number;
	lastMessage?: Message;
	msgs?: number;
	usersCount?: number;
	ro?: boolean;
	archived?: boolean;
	prid?: string;
	teamMain?: boolean;
	teamId?: string;
	uids?: string[];
	usernames?: string[];
	u?: UserRef;
	default?: boolean;
	joinCodeRequired?: boolean;
	ts?: number;
	updatedAt: number;
	[key: string]: unknown;
};

type Wire<T> = { [K in keyof T]?: unknown } & Record<string, unknown>;

const d = (v: unknown) => toMillis(v as WireDate);

export function normalizeMessage(raw: Wire<IMessage> | Record<string, unknown>): Message {
	const m = raw as Record<string, unknown>;
	const out: Message = {
		...(m as object),
		_id: String(m._id),
		rid: String(m.rid),
		msg: typeof m.msg === 'string' ? m.msg : '',
		ts: d(m.ts),
		updatedAt: d(m._updatedAt ?? m.ts),
		u: (m.u as UserRef) ?? { _id: '', username: 'unknown' },
	} as Message;
	if (m.tlm !== undefined) out.tlm = d(m.tlm);
	if (m.dlm !== undefined) out.dlm = d(m.dlm);
	if (m.editedAt !== undefined) out.editedAt = d(m.editedAt);
	if (Array.isArray(m.attachments)) out.attachments = (m.attachments as Attachment[]).map((a) => ({ ...a, ts: a.ts === undefined ? undefined : d(a.ts) }));
	delete (out as Record<string, unknown>)._updatedAt;
	return out;
}

export function normalizeSubscription(raw: Wire<ISubscription> | Record<string, unknown>): Subscription {
	const s = raw as Record<string, unknown>;
	return {
		...(s as object),
		unread: Number(s.unread ?? 0),
		userMentions: Number(s.userMentions ?? 0),
		groupMentions: Number(s.groupMentions ?? 0),
		open: s.open !== false,
		ts: d(s.ts),
		ls: s.ls === undefined ? undefined : d(s.ls),
		lr: s.lr === undefined ? undefined : d(s.lr),
		updatedAt: d(s._updatedAt),
	} as Subscription;
}

export function normalizeRoom(raw: Wire<IRoom> | Record<string, unknown>): Room {
	const r = raw as Record<string, unknown>;
	const out = {
		...(r as object),
		_id: String(r._id),
		t: String(r.t),
		lm: r.lm === undefined ? undefined : d(r.lm),
		ts: r.ts === undefined ? undefined : d(r.ts),
		updatedAt: d(r._updatedAt),
	} as Room;
	if (r.lastMessage && typeof r.lastMessage === 'object') out.lastMessage = normalizeMessage(r.lastMessage as Record<string, unknown>);
	return out;
}

/** roomName is what a room is called in the UI: its display name, else its name. */
export function displayName(x: { t?: string; fname?: string; name?: string } | undefined): string {
	// A direct conversation is named by the other's username, as Rocket.Chat
	// shows it while UI_Use_Real_Name is off (its default); its fname holds
	// the display names.
	if (x?.t === 'd') return x.name || x.fname || '';
	return x?.fname || x?.name || '';
}

/** roomPath is the app's route for a room, as Rocket.Chat's web client has it. */
export function roomPath(sub: { t: string; name?: string; rid?: string; _id?: string }): string {
	const rid = sub.rid ?? sub._id ?? '';
	switch (sub.t) {
		case 'c':
			return `/channel/${encodeURIComponent(sub.name ?? rid)}`;
		case 'p':
			return `/group/${encodeURIComponent(sub.name ?? rid)}`;
		case 'd':
			return `/direct/${encodeURIComponent(rid)}`;
		default:
			return `/channel/${encodeURIComponent(rid)}`;
	}
}
