import { createStore, useStore } from '../lib/store';

// Emoji by shortcode, with JoyPixels' names (the emojione names Rocket.Chat
// uses: :smile:, :thumbsup:, :tada:). The tables (emojibase-data, ~120 KB
// compressed) load in the background after the app starts; until then a
// shortcode shows as its text, as it would in any Rocket.Chat client that
// does not know it.

export type EmojiEntry = { unicode: string; codes: string[]; label: string; group: number; order: number; tags: string[] };

type EmojiState = { ready: boolean; byCode: Map<string, string>; list: EmojiEntry[] };

export const emojiStore = createStore<EmojiState>({ ready: false, byCode: new Map(), list: [] });

export const EMOJI_GROUPS = ['Smileys', 'People', 'Components', 'Animals & nature', 'Food & drink', 'Travel & places', 'Activities', 'Objects', 'Symbols', 'Flags'];

let loading: Promise<void> | undefined;

type CompactEmoji = { hexcode: string; unicode: string; label: string; group?: number; order?: number; tags?: string[] };

export function loadEmoji(): Promise<void> {
	loading ??= (async () => {
		const [data, codes] = await Promise.all([
			import('emojibase-data/en/compact.json').then((m) => m.default as unknown as CompactEmoji[]),
			import('emojibase-data/en/shortcodes/joypixels.json').then((m) => m.default as unknown as Record<string, string | string[]>),
		]);
		const byCode = new Map<string, string>();
		const list: EmojiEntry[] = [];
		for (const e of data) {
			const c = codes[e.hexcode];
			if (!c) continue;
			const names = Array.isArray(c) ? c : [c];
			for (const n of names) byCode.set(n, e.unicode);
			if (e.group !== undefined && e.group !== 2) {
				list.push({ unicode: e.unicode, codes: names, label: e.label, group: e.group, order: e.order ?? 0, tags: e.tags ?? [] });
			}
		}
		// Common aliases people type that JoyPixels spells otherwise.
		for (const [alias, code] of [
			['+1', 'thumbsup'],
			['-1', 'thumbsdown'],
			['thumbs_up', 'thumbsup'],
			['slightly_smiling_face', 'slight_smile'],
		] as const) {
			const u = byCode.get(code);
			if (u && !byCode.has(alias)) byCode.set(alias, u);
		}
		list.sort((a, b) => a.order - b.order);
		emojiStore.set({ ready: true, byCode, list });
	})().catch((err: unknown) => {
		loading = undefined;
		console.warn('emoji data', err);
	});
	return loading;
}

export function unicodeOf(shortcode: string): string | undefined {
	return emojiStore.get().byCode.get(shortcode.replace(/^:|:$/g, ''));
}

export function useEmojiReady(): boolean {
	return useStore(emojiStore, (s) => s.ready);
}

/** searchEmoji finds emoji whose shortcode starts with (then contains) the query. */
export function searchEmoji(query: string, limit = 10): EmojiEntry[] {
	const q = query.toLowerCase();
	const { list } = emojiStore.get();
	const starts: EmojiEntry[] = [];
	const contains: EmojiEntry[] = [];
	for (const e of list) {
		if (e.codes.some((c) => c.startsWith(q))) starts.push(e);
		else if (e.codes.some((c) => c.includes(q)) || e.tags.some((t) => t.startsWith(q))) contains.push(e);
		if (starts.length >= limit) break;
	}
	return [...starts, ...contains].slice(0, limit);
}
