import { Icon, IconButton } from '@rocket.chat/fuselage';
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';

import { roomMessages } from '../../chat/messages';
import { roomsStore } from '../../chat/rooms';
import { displayName } from '../../chat/types';
import { ApiError } from '../../lib/api';
import { connection, currentUser } from '../../lib/session';
import { useStore } from '../../lib/store';
import { customEmojiStore, customEmojiUrl } from '../../markup/customEmoji';
import { emojiStore, searchEmoji } from '../../markup/emoji';
import { slashCommands } from '../../plugins';
import { UserAvatar } from '../../ui/Avatar';
import { toastError } from '../../ui/toast';
import { AttachButton, ComposerUploads, filesFromClipboard, pickFiles, useUploadsAllowed } from '../files/picker';
import { composerIntent, editMessage, isOwn, permalink, sendMessage, sendTyping } from './actions';
import { applyCompletion, findTrigger, type Trigger } from './complete';
import { EmojiPicker } from './EmojiPicker';

// The message composer: Enter sends, Shift+Enter adds a line, ↑ in an empty
// composer edits the user's last message, Esc cancels an edit. Typing "@",
// "#", ":" or "/" opens a list to complete users, channels, emoji and slash
// commands. Others see "alice is typing…" while the user types.

type Option = { key: string; label: string; detail?: string; insert: string; icon?: React.ReactNode };

type Props = { rid: string; tmid?: string; composerKey: string; placeholder: string; disabledReason?: string; onSent?: () => void; autoFocus?: boolean };

const TYPING_REPEAT_MS = 10_000;

export function Composer({ rid, tmid, composerKey, placeholder, disabledReason, onSent, autoFocus }: Props) {
	const [text, setText] = useState(() => sessionStorage.getItem(`draft:${composerKey}`) ?? '');
	const [editing, setEditing] = useState<import('../../chat/types').Message | undefined>();
	const [trigger, setTrigger] = useState<Trigger>();
	const [options, setOptions] = useState<Option[]>([]);
	const [active, setActive] = useState(0);
	const [picker, setPicker] = useState(false);
	const [alsoToRoom, setAlsoToRoom] = useState(false);
	const area = useRef<HTMLTextAreaElement>(null);
	const typingSince = useRef(0);
	const intent = useStore(composerIntent, (i) => (i?.key === composerKey ? i : undefined));
	const roomType = useStore(roomsStore, (s) => s.subs.get(rid)?.t);
	const uploads = useUploadsAllowed(roomType);

	useEffect(() => {
		sessionStorage.setItem(`draft:${composerKey}`, text);
	}, [text, composerKey]);

	// Actions from a message's menu (edit, quote) land here.
	useEffect(() => {
		if (!intent) return;
		const i = intent.intent;
		composerIntent.set(undefined);
		if (i.kind === 'edit') {
			setEditing(i.message);
			setText(i.message.msg);
		} else if (i.kind === 'quote') {
			setText((t) => `[ ](${permalink(i.message)})\n${t}`);
		} else {
			setText((t) => `${t}${t && !t.endsWith(' ') ? ' ' : ''}${i.text}`);
		}
		requestAnimationFrame(() => {
			area.current?.focus();
			const len = area.current?.value.length ?? 0;
			area.current?.setSelectionRange(len, len);
		});
	}, [intent]);

	const stopTyping = useCallback(() => {
		if (typingSince.current) {
			typingSince.current = 0;
			void sendTyping(rid, false).catch(() => undefined);
		}
	}, [rid]);

	useEffect(() => stopTyping, [stopTyping]);

	useEffect(() => {
		const el = area.current;
		if (!el) return;
		el.style.height = 'auto';
		el.style.height = `${Math.min(el.scrollHeight, 240)}px`;
	}, [text]);

	const computeOptions = useCallback(
		async (t: Trigger | undefined) => {
			if (!t) {
				setOptions([]);
				return;
			}
			const q = t.query.toLowerCase();
			if (t.char === ':') {
				const custom = customEmojiStore
					.get()
					.list.filter((e) => e.name.toLowerCase().startsWith(q))
					.slice(0, 4)
					.map((e) => ({ key: `custom:${e._id}`, label: `:${e.name}:`, insert: `:${e.name}:`, icon: <img className="lo-emoji-custom" src={customEmojiUrl(e)} alt="" /> }));
				setOptions([...custom, ...searchEmoji(q, 8 - custom.length).map((e) => ({ key: e.codes[0] ?? e.unicode, label: `:${e.codes[0]}:`, insert: `:${e.codes[0]}:`, icon: <span className="lo-ac-emoji">{e.unicode}</span> }))]);
				return;
			}
			if (t.char === '#') {
				const local = [...roomsStore.get().subs.values()]
					.filter((s) => s.t !== 'd' && (s.name.toLowerCase().includes(q) || displayName(s).toLowerCase().includes(q)))
					.slice(0, 8)
					.map((s) => ({ key: s.rid, label: `#${s.name}`, detail: s.fname && s.fname !== s.name ? s.fname : undefined, insert: `#${s.name}` }));
				setOptions(local);
				try {
					const answer = (await connection.rest.get('/v1/rooms.autocomplete.channelAndPrivate', { selector: JSON.stringify({ name: q }) } as never)) as unknown as { items: { _id: string; name: string; fname?: string }[] };
					const seen = new Set(local.map((o) => o.key));
					setOptions([...local, ...answer.items.filter((r) => !seen.has(r._id)).map((r) => ({ key: r._id, label: `#${r.name}`, insert: `#${r.name}` }))].slice(0, 8));
				} catch {
					// the server lacks the endpoint: the user's own rooms are offered
				}
				return;
			}
			if (t.char === '@') {
				const special: Option[] = ['all', 'here'].filter((x) => x.startsWith(q)).map((x) => ({ key: x, label: `@${x}`, detail: x === 'all' ? 'Notify everyone in this room' : 'Notify everyone online', insert: `@${x}` }));
				// People who wrote in this room come first, as Rocket.Chat does.
				const recent = new Map<string, { username: string; name?: string }>();
				for (const m of [...roomMessages(rid).messages].reverse()) if (m.u.username.toLowerCase().includes(q) || m.u.name?.toLowerCase().includes(q)) recent.set(m.u.username, m.u);
				const me = currentUser()?.username;
				const fromRoom = [...recent.values()].filter((u) => u.username !== me).slice(0, 5);
				const toOption = (u: { username: string; name?: string }) => ({ key: u.username, label: u.name || u.username, detail: `@${u.username}`, insert: `@${u.username}`, icon: <UserAvatar username={u.username} size="x20" /> });
				setOptions([...fromRoom.map(toOption), ...special]);
				try {
					const answer = (await connection.rest.get('/v1/users.autocomplete', { selector: JSON.stringify({ term: q, exceptions: fromRoom.map((u) => u.username) }) } as never)) as unknown as { items: { username: string; name?: string }[] };
					setOptions([...fromRoom.map(toOption), ...answer.items.filter((u) => u.username !== me).map(toOption), ...special].slice(0, 10));
				} catch {
					// keep the room's people
				}
				return;
			}
			if (t.char === '/') {
				const local = slashCommands.all().filter((c) => c.command.startsWith(q));
				setOptions(local.map((c) => ({ key: c.command, label: `/${c.command}`, detail: [c.params, c.description].filter(Boolean).join(' — '), insert: `/${c.command}` })));
				try {
					const answer = await loadServerCommands();
					const names = new Set(local.map((c) => c.command));
					const more = answer.filter((c) => c.command.startsWith(q) && !names.has(c.command));
					setOptions((cur) => [...cur, ...more.map((c) => ({ key: c.command, label: `/${c.command}`, detail: [c.params, c.description].filter(Boolean).join(' — '), insert: `/${c.command}` }))].slice(0, 10));
				} catch {
					// no command list on this server
				}
			}
		},
		[rid],
	);

	function onChange(value: string, caret: number) {
		setText(value);
		const t = findTrigger(value, caret);
		setTrigger(t);
		setActive(0);
		void computeOptions(t);
		if (value.trim() && !editing) {
			const now = Date.now();
			if (now - typingSince.current > TYPING_REPEAT_MS) {
				typingSince.current = now;
				void sendTyping(rid, true).catch(() => undefined);
			}
		} else stopTyping();
	}

	function choose(o: Option) {
		const el = area.current;
		if (!el || !trigger) return;
		const next = applyCompletion(text, el.selectionStart, trigger, o.insert);
		setText(next.text);
		setTrigger(undefined);
		setOptions([]);
		requestAnimationFrame(() => {
			el.focus();
			el.setSelectionRange(next.caret, next.caret);
		});
	}

	async function submit() {
		const value = text.trim();
		if (!value) return;
		stopTyping();
		const wasEditing = editing;
		setText('');
		setEditing(undefined);
		setTrigger(undefined);
		setOptions([]);
		try {
			if (wasEditing) await editMessage(wasEditing, value);
			else await sendMessage(rid, value, tmid ? { tmid, tshow: alsoToRoom } : {});
			onSent?.();
		} catch (err) {
			if (wasEditing) {
				setEditing(wasEditing);
				setText(value);
			}
			toastError(err);
		}
	}

	function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
		if (options.length > 0 && trigger) {
			if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
				e.preventDefault();
				setActive((a) => (a + (e.key === 'ArrowDown' ? 1 : -1) + options.length) % options.length);
				return;
			}
			if (e.key === 'Enter' || e.key === 'Tab') {
				e.preventDefault();
				const o = options[active];
				if (o) choose(o);
				return;
			}
			if (e.key === 'Escape') {
				e.preventDefault();
				e.stopPropagation();
				setOptions([]);
				setTrigger(undefined);
				return;
			}
		}
		if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
			e.preventDefault();
			void submit();
			return;
		}
		if (e.key === 'Escape' && editing) {
			e.preventDefault();
			e.stopPropagation();
			setEditing(undefined);
			setText('');
			return;
		}
		if (e.key === 'ArrowUp' && !text) {
			const mine = [...roomMessages(rid).messages].reverse().find((m) => isOwn(m) && (!m.t || m.t === 'e2e') && !m.pending && (tmid ? m.tmid === tmid : !m.tmid || m.tshow));
			if (mine) {
				e.preventDefault();
				setEditing(mine);
				setText(mine.msg);
			}
		}
	}

	if (disabledReason) {
		return (
			<div className="lo-composer lo-composer--disabled" role="note">
				{disabledReason}
			</div>
		);
	}

	const listId = `ac-${composerKey}`;
	return (
		<div className={`lo-composer${editing ? ' is-editing' : ''}`}>
			{options.length > 0 && trigger && (
				<ul className="lo-autocomplete" role="listbox" id={listId} aria-label="Suggestions">
					{options.map((o, i) => (
						<li
							key={o.key}
							id={`${listId}-${i}`}
							role="option"
							aria-selected={i === active}
							className={i === active ? 'is-active' : undefined}
							onMouseDown={(e) => {
								e.preventDefault();
								choose(o);
							}}
							onMouseEnter={() => setActive(i)}
						>
							{o.icon}
							<span className="lo-ac-label">{o.label}</span>
							{o.detail && <span className="lo-ac-detail">{o.detail}</span>}
						</li>
					))}
				</ul>
			)}
			<ComposerUploads rid={rid} tmid={tmid} composerKey={composerKey} />
			{editing && (
				<div className="lo-composer-editing">
					<Icon name="pencil" size="x16" /> Editing message — <kbd>Esc</kbd> to cancel
				</div>
			)}
			<div className="lo-composer-box">
				<textarea
					ref={area}
					rows={1}
					autoFocus={autoFocus}
					value={text}
					aria-label={placeholder}
					placeholder={placeholder}
					role="combobox"
					aria-autocomplete="list"
					aria-expanded={options.length > 0}
					aria-controls={options.length > 0 ? listId : undefined}
					aria-activedescendant={options.length > 0 ? `${listId}-${active}` : undefined}
					onChange={(e) => onChange(e.target.value, e.target.selectionStart)}
					onKeyDown={onKeyDown}
					onBlur={stopTyping}
					onPaste={(e) => {
						const files = uploads ? filesFromClipboard(e) : [];
						if (files.length > 0) {
							e.preventDefault();
							pickFiles(composerKey, files);
						}
					}}
					data-testid={tmid ? 'thread-composer' : 'composer'}
				/>
				<div className="lo-composer-tools">
					{uploads && !editing && <AttachButton composerKey={composerKey} />}
					<IconButton small icon="emoji" title="Emoji" aria-label="Insert emoji" onClick={() => setPicker((p) => !p)} />
					<IconButton small primary={Boolean(text.trim())} icon="send" title="Send" aria-label={editing ? 'Save edit' : 'Send'} disabled={!text.trim()} onClick={() => void submit()} />
				</div>
				{picker && (
					<EmojiPicker
						onClose={() => setPicker(false)}
						onPick={(code) => {
							setPicker(false);
							setText((t) => `${t}${t && !t.endsWith(' ') ? ' ' : ''}:${code}: `);
							area.current?.focus();
						}}
					/>
				)}
			</div>
			{tmid && (
				<label className="lo-composer-also">
					<input type="checkbox" checked={alsoToRoom} onChange={(e) => setAlsoToRoom(e.target.checked)} /> Also send to the room
				</label>
			)}
		</div>
	);
}

let commandsCache: Promise<{ command: string; params?: string; description?: string }[]> | undefined;

function loadServerCommands() {
	commandsCache ??= connection.rest.getRaw<unknown>('/v1/commands.list')
		.then((a) => ((a as { commands?: { command: string; params?: string; description?: string }[] }).commands ?? []))
		.catch((err: unknown) => {
			if (!(err instanceof ApiError && err.isMissing)) commandsCache = undefined;
			return [];
		});
	return commandsCache;
}

void emojiStore;
