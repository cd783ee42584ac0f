import type { ComponentType, ReactNode } from 'react';

import type { Attachment, Message, Room, Subscription } from './chat/types';

// Extension points. Features that come later (files, notifications,
// sign-in providers, integrations, end-to-end encryption) plug in here
// instead of editing the core views: each registry is a list the views read.

/** A room panel (the contextual bar on the right): members, pinned, files... */
export type RoomPanel = {
	id: string;
	title: string;
	icon: string;
	/** shows in the room header's toolbar (else only in its kebab menu) */
	inHeader?: boolean;
	order: number;
	visible?: (room: Room | undefined, sub: Subscription | undefined) => boolean;
	component: ComponentType<{ rid: string; room?: Room; sub?: Subscription; tabId?: string; onClose: () => void }>;
};

/** An attachment renderer: the first whose test accepts an attachment draws it. */
export type AttachmentRenderer = {
	id: string;
	test: (a: Attachment, m: Message) => boolean;
	component: ComponentType<{ attachment: Attachment; message: Message }>;
};

/** A sign-in provider shown under the password form (OAuth, SAML, LDAP-as-password...). */
export type LoginProvider = {
	id: string;
	label: string;
	icon?: string;
	/** starts the flow; resolves when the session is signed in */
	start: () => Promise<void>;
	visible?: (settings: Record<string, unknown>) => boolean;
};

/** An administration section (a page under /admin/ID). */
export type AdminSection = {
	id: string;
	title: string;
	icon: string;
	order: number;
	/** shown to holders of this permission (of any of them, for a list) */
	permission?: string | string[];
	component: ComponentType;
};

/** A slash command the composer can complete; the server's list adds to these. */
export type SlashCommand = { command: string; params?: string; description?: string };

/** A message action (the message toolbar's kebab menu). */
export type MessageAction = {
	id: string;
	label: string;
	icon: string;
	order: number;
	visible: (m: Message, ctx: { myId: string; sub?: Subscription }) => boolean;
	run: (m: Message) => void | Promise<void>;
};

function registry<T extends { id: string }>() {
	const items: T[] = [];
	return {
		add(item: T) {
			const i = items.findIndex((x) => x.id === item.id);
			if (i >= 0) items.splice(i, 1, item);
			else items.push(item);
		},
		all(): readonly T[] {
			return items;
		},
	};
}

export const roomPanels = registry<RoomPanel>();
export const attachmentRenderers = registry<AttachmentRenderer>();
export const loginProviders = registry<LoginProvider>();
export const adminSections = registry<AdminSection>();
export const messageActions = registry<MessageAction>();
export const slashCommands = registry<SlashCommand & { id: string }>();

export type Slot = () => ReactNode;
