import type { Message } from './types';

// System messages as readable sentences, as Rocket.Chat words them
// ("alice joined the channel"). An unknown type shows its text rather than
// the raw type code.

export function systemText(m: Message): string {
	const actor = m.u?.name || m.u?.username || 'Someone';
	const text = m.msg;
	const role = typeof m.role === 'string' ? m.role : text;
	switch (m.t) {
		case 'uj':
			return `${actor} joined the channel`;
		case 'ujt':
			return `${actor} joined the team`;
		case 'ul':
			return `${actor} left the channel`;
		case 'ult':
			return `${actor} left the team`;
		case 'ut':
			return `${actor} joined the conversation`;
		case 'au':
			return `${actor} added ${text}`;
		case 'added-user-to-team':
			return `${actor} added ${text} to the team`;
		case 'ru':
			return `${actor} removed ${text}`;
		case 'removed-user-from-team':
			return `${actor} removed ${text} from the team`;
		case 'r':
			return `${actor} changed the room name to ${text}`;
		case 'room_changed_topic':
			return text ? `${actor} changed the room topic to: ${text}` : `${actor} removed the room topic`;
		case 'room_changed_description':
			return text ? `${actor} changed the room description to: ${text}` : `${actor} removed the room description`;
		case 'room_changed_announcement':
			return text ? `${actor} changed the room announcement to: ${text}` : `${actor} removed the room announcement`;
		case 'room_changed_privacy':
			return `${actor} changed the room type to ${text === 'p' ? 'private' : text === 'c' ? 'public' : text}`;
		case 'room_changed_avatar':
			return `${actor} changed the room avatar`;
		case 'room_set_read_only':
			return `${actor} set the room to read only`;
		case 'room_removed_read_only':
			return `${actor} allowed everyone to post in the room`;
		case 'room-archived':
			return `${actor} archived the room`;
		case 'room-unarchived':
			return `${actor} unarchived the room`;
		case 'room-set-default':
		case 'room_set_default':
			return `${actor} made the room a default one`;
		case 'user-muted':
			return `${actor} muted ${text}`;
		case 'user-unmuted':
			return `${actor} unmuted ${text}`;
		case 'subscription-role-added':
			return `${actor} made ${text} ${roleName(role)}`;
		case 'subscription-role-removed':
			return `${actor} removed ${text} as ${roleName(role)}`;
		case 'message_pinned':
			return `${actor} pinned a message:`;
		case 'message_snippeted':
			return `${actor} created a snippet`;
		case 'rm':
			return 'This message was deleted';
		case 'user-added-room-to-team':
			return `${actor} added #${text} to the team`;
		case 'user-removed-room-from-team':
			return `${actor} removed #${text} from the team`;
		case 'user-deleted-room-from-team':
			return `${actor} deleted #${text}`;
		case 'user-converted-to-team':
			return `${actor} converted the room to a team`;
		case 'user-converted-to-channel':
			return `${actor} converted the team to a channel`;
		case 'discussion-created':
			return `${actor} started a discussion: ${text}`;
		case 'livechat-close':
			return 'Conversation closed';
		case 'command':
			return text;
		default:
			return text || `${actor} did something this client cannot show yet (${m.t})`;
	}
}

function roleName(role: string): string {
	if (role === 'owner') return 'an owner';
	if (role === 'moderator') return 'a moderator';
	if (role === 'leader') return 'a leader';
	return role;
}
