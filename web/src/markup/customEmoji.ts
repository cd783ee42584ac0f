import { connection } from '../lib/session';
import { createStore, useStore } from '../lib/store';

// The workspace's custom emoji (emoji-custom.list), by name and alias, kept
// current by updateEmojiCustom / deleteEmojiCustom on stream-notify-logged,
// as Rocket.Chat's client does. A shortcode that is no standard emoji but a
// custom one renders as its picture, /emoji-custom/NAME.EXT.

export type CustomEmoji = { _id: string; name: string; aliases: string[]; extension: string; etag?: string };

type State = { byName: Map<string, CustomEmoji>; list: CustomEmoji[] };

export const customEmojiStore = createStore<State>({ byName: new Map(), list: [] });

function index(list: CustomEmoji[]): State {
	const byName = new Map<string, CustomEmoji>();
	for (const e of list) {
		byName.set(e.name, e);
		for (const a of e.aliases ?? []) if (!byName.has(a)) byName.set(a, e);
	}
	return { byName, list: [...list].sort((a, b) => a.name.localeCompare(b.name)) };
}

/** customEmojiUrl is the picture's address; the etag makes a changed picture a new URL. */
export function customEmojiUrl(e: CustomEmoji): string {
	return `/emoji-custom/${encodeURIComponent(e.name)}.${encodeURIComponent(e.extension)}${e.etag ? `?etag=${encodeURIComponent(e.etag)}` : ''}`;
}

export function customEmoji(shortcode: string): CustomEmoji | undefined {
	return customEmojiStore.get().byName.get(shortcode.replace(/^:|:$/g, ''));
}

export function useCustomEmojiVersion(): State {
	return useStore(customEmojiStore, (s) => s);
}

/** applyEmojiEvent folds one stream event into the list. */
export function applyEmojiEvent(list: CustomEmoji[], event: 'updateEmojiCustom' | 'deleteEmojiCustom', data: CustomEmoji): CustomEmoji[] {
	const rest = list.filter((e) => e._id !== data._id);
	return event === 'deleteEmojiCustom' ? rest : [...rest, { ...data, aliases: data.aliases ?? [] }];
}

/** startCustomEmoji loads the list and follows changes; it returns the stop function. */
export function startCustomEmoji(): () => void {
	void connection.rest
		.getRaw<{ emojis: { update: CustomEmoji[] } }>('/v1/emoji-custom.list')
		.then((a) => customEmojiStore.set(index(a.emojis?.update ?? [])))
		.catch(() => undefined); // a server without custom emoji: none
	const on = (event: 'updateEmojiCustom' | 'deleteEmojiCustom') =>
		connection.stream('notify-logged', event, (payload) => {
			const data = (payload as { emojiData?: CustomEmoji } | undefined)?.emojiData;
			if (data?._id) customEmojiStore.set((s) => index(applyEmojiEvent(s.list, event, data)));
		});
	const stops = [on('updateEmojiCustom'), on('deleteEmojiCustom')];
	return () => stops.forEach((s) => s());
}
