import { TextInput } from '@rocket.chat/fuselage';
import { useOutsideClick } from '@rocket.chat/fuselage-hooks';
import { useEffect, useMemo, useRef, useState } from 'react';

import { useStore } from '../../lib/store';
import { customEmojiStore, customEmojiUrl } from '../../markup/customEmoji';
import { EMOJI_GROUPS, emojiStore, loadEmoji, searchEmoji } from '../../markup/emoji';

// The emoji picker: a search field and the emoji by group, as a grid of
// buttons. Returns the chosen shortcode (without colons).

const RECENT_KEY = 'liftoff.emoji.recent';

function recent(): string[] {
	try {
		return (JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]') as string[]).slice(0, 16);
	} catch {
		return [];
	}
}

export function EmojiPicker({ onPick, onClose }: { onPick: (code: string) => void; onClose: () => void }) {
	const { ready, list, byCode } = useStore(emojiStore, (s) => s);
	const [q, setQ] = useState('');
	const [group, setGroup] = useState(0);
	const box = useRef<HTMLDivElement>(null);
	useEffect(() => void loadEmoji(), []);
	useOutsideClick([box], onClose);
	const shown = useMemo(() => {
		if (q.trim()) return searchEmoji(q.trim().toLowerCase(), 80);
		return list.filter((e) => e.group === group).slice(0, 400);
	}, [q, group, list]);
	const custom = useStore(customEmojiStore, (s) => s.list);
	const customShown = useMemo(() => {
		const t = q.trim().toLowerCase();
		return t ? custom.filter((e) => e.name.toLowerCase().includes(t) || e.aliases.some((a) => a.toLowerCase().includes(t))) : custom;
	}, [q, custom]);
	const rec = recent().filter((c) => byCode.has(c));

	function pick(code: string) {
		localStorage.setItem(RECENT_KEY, JSON.stringify([code, ...recent().filter((c) => c !== code)].slice(0, 16)));
		onPick(code);
	}

	return (
		<div className="lo-emoji-picker" ref={box} role="dialog" aria-label="Emoji picker" onKeyDown={(e) => e.key === 'Escape' && (e.stopPropagation(), onClose())}>
			<TextInput autoFocus aria-label="Search emoji" placeholder="Search emoji" value={q} onChange={(e) => setQ((e.target as HTMLInputElement).value)} />
			{!q && (
				<div className="lo-emoji-tabs" role="tablist">
					{EMOJI_GROUPS.map((g, i) =>
						i === 2 ? null : (
							<button key={g} type="button" role="tab" aria-selected={group === i} className={group === i ? 'is-active' : undefined} onClick={() => setGroup(i)} title={g}>
								{list.find((e) => e.group === i)?.unicode ?? '•'}
							</button>
						),
					)}
				</div>
			)}
			{!ready && <p className="lo-muted">Loading emoji…</p>}
			{!q && rec.length > 0 && (
				<>
					<div className="lo-emoji-section">Recent</div>
					<div className="lo-emoji-grid">
						{rec.map((c) => (
							<button key={c} type="button" title={`:${c}:`} aria-label={`:${c}:`} onClick={() => pick(c)}>
								{byCode.get(c)}
							</button>
						))}
					</div>
				</>
			)}
			{customShown.length > 0 && (
				<>
					<div className="lo-emoji-section">Custom</div>
					<div className="lo-emoji-grid" aria-label="Custom emoji">
						{customShown.map((e) => (
							<button key={e._id} type="button" title={`:${e.name}:`} aria-label={`:${e.name}:`} onClick={() => pick(e.name)}>
								<img className="lo-emoji-custom" src={customEmojiUrl(e)} alt="" />
							</button>
						))}
					</div>
				</>
			)}
			<div className="lo-emoji-section">{q ? 'Results' : EMOJI_GROUPS[group]}</div>
			<div className="lo-emoji-grid">
				{shown.map((e) => (
					<button key={e.unicode} type="button" title={`:${e.codes[0]}:`} aria-label={`:${e.codes[0]}:`} onClick={() => pick(e.codes[0] ?? '')}>
						{e.unicode}
					</button>
				))}
			</div>
		</div>
	);
}
