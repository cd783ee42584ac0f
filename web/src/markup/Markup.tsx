import { MessageEmoji, MessageHighlight } from '@rocket.chat/fuselage';
import { parse, type Options, type Root } from '@rocket.chat/message-parser';
import type * as MP from '@rocket.chat/message-parser';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';

import { customEmoji, customEmojiUrl, useCustomEmojiVersion } from './customEmoji';
import { useEmojiReady, unicodeOf } from './emoji';
import { highlightTree, loadHighlighter, type HastNode } from './highlight';

// Renders a message's text through Rocket.Chat's own markdown grammar
// (message-parser) to React elements. Text always reaches the page as text
// nodes: nothing here builds HTML from strings, so "<img onerror=...>" in a
// message is just those characters.

export type MarkupContext = {
	/** usernames that should be highlighted as "me" (the user's username) */
	me?: string;
	/** names of the user's groups mentionable as a whole (all, here) */
	onMention?: (username: string) => void;
	onChannel?: (name: string) => void;
};

const Ctx = createContext<MarkupContext>({});

const parseOptions: Options = { emoticons: true, colors: true };

const cache = new Map<string, Root>();

/** parseMessage parses text with Rocket.Chat's grammar; results are cached (messages are immutable per version). */
export function parseMessage(text: string): Root {
	let tree = cache.get(text);
	if (!tree) {
		try {
			tree = parse(text, parseOptions);
		} catch {
			tree = [{ type: 'PARAGRAPH', value: [{ type: 'PLAIN_TEXT', value: text }] }];
		}
		if (cache.size > 5000) cache.clear();
		cache.set(text, tree);
	}
	return tree;
}

export function Markup({ text, tree, context }: { text: string; tree?: Root; context?: MarkupContext }) {
	useEmojiReady(); // re-render shortcodes once the emoji table arrives
	useCustomEmojiVersion(); // and when the custom emoji change
	const root = tree ?? parseMessage(text);
	return (
		<Ctx.Provider value={context ?? {}}>
			<div className="lo-markup">{root.map((block, i) => renderBlock(block, i))}</div>
		</Ctx.Provider>
	);
}

type Block = Root[number];

function renderBlock(node: Block, key: number): ReactNode {
	switch (node.type) {
		case 'PARAGRAPH':
			return <p key={key}>{renderInlines(node.value)}</p>;
		case 'BIG_EMOJI':
			return (
				<div key={key} className="lo-bigemoji">
					{node.value.map((e, i) => (
						<Emoji key={i} node={e} big />
					))}
				</div>
			);
		case 'CODE':
			return <CodeBlock key={key} language={node.language} code={node.value.map((l) => l.value.value).join('\n')} />;
		case 'HEADING': {
			const H = (['h1', 'h2', 'h3', 'h4'] as const)[node.level - 1] ?? 'h4';
			return <H key={key}>{renderInlines(node.value)}</H>;
		}
		case 'QUOTE':
			return <blockquote key={key}>{node.value.map((p, i) => renderBlock(p, i))}</blockquote>;
		case 'SPOILER_BLOCK':
			return <Spoiler key={key} block>{node.value.map((p, i) => renderBlock(p, i))}</Spoiler>;
		case 'UNORDERED_LIST':
			return (
				<ul key={key}>
					{node.value.map((li, i) => (
						<li key={i}>{renderInlines(li.value)}</li>
					))}
				</ul>
			);
		case 'ORDERED_LIST':
			return (
				<ol key={key} start={node.value[0]?.number ?? 1}>
					{node.value.map((li, i) => (
						<li key={i}>{renderInlines(li.value)}</li>
					))}
				</ol>
			);
		case 'TASKS':
			return (
				<ul key={key} className="lo-tasks">
					{node.value.map((t, i) => (
						<li key={i}>
							<input type="checkbox" checked={t.status} readOnly aria-label={t.status ? 'done' : 'to do'} /> {renderInlines(t.value)}
						</li>
					))}
				</ul>
			);
		case 'LINE_BREAK':
			return <br key={key} />;
		case 'HORIZONTAL_RULE':
			return <hr key={key} />;
		case 'KATEX':
			// No math typesetting: the formula shows as code, readable and safe.
			return (
				<pre key={key} className="lo-code">
					<code>{node.value}</code>
				</pre>
			);
		case 'TABLE':
			return (
				<table key={key} className="lo-table">
					<thead>
						<tr>
							{node.value.header.map((c, i) => (
								<th key={i} style={{ textAlign: c.align ?? 'left' }}>
									{renderInlines(c.value)}
								</th>
							))}
						</tr>
					</thead>
					<tbody>
						{node.value.rows.map((r, i) => (
							<tr key={i}>
								{r.value.map((c, j) => (
									<td key={j} style={{ textAlign: c.align ?? 'left' }}>
										{renderInlines(c.value)}
									</td>
								))}
							</tr>
						))}
					</tbody>
				</table>
			);
		case 'LIST_ITEM':
			return <div key={key}>{renderInlines(node.value)}</div>;
		default:
			return null;
	}
}

type Inline = MP.Inlines | MP.Markup | MP.Link | MP.Emoji | MP.UserMention | MP.ChannelMention | MP.InlineCode | MP.Timestamp;

function renderInlines(nodes: readonly unknown[]): ReactNode[] {
	return nodes.map((n, i) => renderInline(n as Inline, i));
}

function renderInline(node: Inline, key: number): ReactNode {
	switch (node.type) {
		case 'PLAIN_TEXT':
			return node.value;
		case 'BOLD':
			return <strong key={key}>{renderInlines(node.value)}</strong>;
		case 'ITALIC':
			return <em key={key}>{renderInlines(node.value)}</em>;
		case 'STRIKE':
			return <del key={key}>{renderInlines(node.value)}</del>;
		case 'SPOILER':
			return <Spoiler key={key}>{renderInlines(node.value)}</Spoiler>;
		case 'INLINE_CODE':
			return (
				<code key={key} className="lo-inline-code">
					{node.value.value}
				</code>
			);
		case 'LINK':
			return <SafeLink key={key} href={node.value.src.value} label={node.value.label} />;
		case 'IMAGE': {
			const src = safeUrl(node.value.src.value);
			return src ? (
				<a key={key} href={src} target="_blank" rel="noopener noreferrer nofollow">
					<img className="lo-inline-image" src={src} alt={labelText(node.value.label)} loading="lazy" />
				</a>
			) : (
				node.value.src.value
			);
		}
		case 'EMOJI':
			return <Emoji key={key} node={node} />;
		case 'MENTION_USER':
			return <UserMention key={key} username={node.value.value} />;
		case 'MENTION_CHANNEL':
			return <ChannelMention key={key} name={node.value.value} />;
		case 'COLOR': {
			const { r, g, b, a } = node.value;
			const color = `rgba(${r}, ${g}, ${b}, ${a / 255})`;
			return (
				<span key={key} className="lo-color">
					<span className="lo-color-swatch" style={{ backgroundColor: color }} aria-hidden />
					{color}
				</span>
			);
		}
		case 'INLINE_KATEX':
			return (
				<code key={key} className="lo-inline-code">
					{node.value}
				</code>
			);
		case 'TIMESTAMP':
			return <Timestamp key={key} value={node.value.timestamp} format={node.value.format} />;
		default:
			return null;
	}
}

function labelText(label: MP.Markup | MP.Markup[]): string {
	const parts = Array.isArray(label) ? label : [label];
	return parts
		.map((p) => {
			if (p.type === 'PLAIN_TEXT') return p.value;
			if (p.type === 'MENTION_CHANNEL') return `#${p.value.value}`;
			return labelText(p.value as MP.Markup[]);
		})
		.join('');
}

/** safeUrl allows http(s), mailto and tel links and relative ones; anything else (javascript:, data:) is refused. */
export function safeUrl(raw: string): string | undefined {
	const url = raw.trim();
	if (/^(https?:|mailto:|tel:)/i.test(url)) return url;
	if (url.startsWith('/') && !url.startsWith('//')) return url;
	if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return undefined;
	// "example.org/x": the parser found a link without a scheme.
	return `https://${url}`;
}

function SafeLink({ href, label }: { href: string; label: MP.Markup | MP.Markup[] }) {
	const url = safeUrl(href);
	const children = renderInlines(Array.isArray(label) ? label : [label]);
	if (!url) return <>{children}</>;
	const internal = url.startsWith('/') || url.startsWith(location.origin);
	return (
		<a href={url} target={internal ? undefined : '_blank'} rel={internal ? undefined : 'noopener noreferrer nofollow'}>
			{children}
		</a>
	);
}

function Emoji({ node, big }: { node: MP.Emoji; big?: boolean }) {
	if (node.value === undefined) {
		return <MessageEmoji name={node.unicode} big={big} className="lo-emoji">{node.unicode}</MessageEmoji>;
	}
	const code = node.shortCode;
	// A custom emoji wins over a standard one of the same name, as in Rocket.Chat.
	const custom = customEmoji(code);
	if (custom) return <img className="lo-emoji lo-emoji-custom" src={customEmojiUrl(custom)} alt={`:${code}:`} title={`:${code}:`} />;
	const unicode = unicodeOf(code);
	if (!unicode) return <>{`:${code}:`}</>;
	return (
		<MessageEmoji name={`:${code}:`} big={big} title={`:${code}:`} className="lo-emoji" role="img" aria-label={`:${code}:`}>
			{unicode}
		</MessageEmoji>
	);
}

function UserMention({ username }: { username: string }) {
	const ctx = useContext(Ctx);
	const variant = username === ctx.me ? 'critical' : username === 'all' || username === 'here' ? 'relevant' : 'other';
	return (
		<MessageHighlight
			variant={variant}
			clickable={Boolean(ctx.onMention)}
			title={username === 'all' || username === 'here' ? `Mentions everyone (${username})` : `@${username}`}
			onClick={ctx.onMention ? () => ctx.onMention?.(username) : undefined}
		>
			@{username}
		</MessageHighlight>
	);
}

function ChannelMention({ name }: { name: string }) {
	return (
		<a className="lo-channel-link" href={`/channel/${encodeURIComponent(name)}`}>
			#{name}
		</a>
	);
}

function Spoiler({ children, block }: { children: ReactNode; block?: boolean }) {
	const [shown, setShown] = useState(false);
	const Tag = block ? 'div' : 'span';
	return (
		<Tag
			className={shown ? 'lo-spoiler lo-spoiler--shown' : 'lo-spoiler'}
			role="button"
			tabIndex={0}
			aria-expanded={shown}
			aria-label={shown ? undefined : 'Spoiler, select to reveal'}
			onClick={() => setShown(true)}
			onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && setShown(true)}
		>
			{children}
		</Tag>
	);
}

const timeFormats: Record<string, Intl.DateTimeFormatOptions> = {
	t: { timeStyle: 'short' },
	T: { timeStyle: 'medium' },
	d: { dateStyle: 'short' },
	D: { dateStyle: 'long' },
	f: { dateStyle: 'long', timeStyle: 'short' },
	F: { dateStyle: 'full', timeStyle: 'short' },
};

function Timestamp({ value, format }: { value: string; format: string }) {
	const ms = Number(value) * 1000;
	if (!Number.isFinite(ms)) return <>{value}</>;
	const date = new Date(ms);
	let text: string;
	if (format === 'R') {
		const diff = Math.round((ms - Date.now()) / 60000);
		const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
		text = Math.abs(diff) < 60 ? rtf.format(diff, 'minute') : Math.abs(diff) < 1440 ? rtf.format(Math.round(diff / 60), 'hour') : rtf.format(Math.round(diff / 1440), 'day');
	} else {
		text = new Intl.DateTimeFormat(undefined, timeFormats[format] ?? timeFormats.f).format(date);
	}
	return (
		<time className="lo-timestamp" dateTime={date.toISOString()} title={date.toLocaleString()}>
			{text}
		</time>
	);
}

function CodeBlock({ code, language }: { code: string; language?: string }) {
	const [nodes, setNodes] = useState<HastNode[] | undefined>(undefined);
	useEffect(() => {
		let live = true;
		loadHighlighter()
			.then((ll) => live && setNodes(highlightTree(ll, code, language)))
			.catch(() => undefined);
		return () => {
			live = false;
		};
	}, [code, language]);
	return (
		<pre className="lo-code" data-language={language}>
			<code className="hljs">{nodes ? renderHast(nodes) : code}</code>
		</pre>
	);
}

function renderHast(nodes: readonly HastNode[]): ReactNode[] {
	return nodes.map((n, i) => {
		if (n.type === 'text') return n.value;
		if (n.type === 'element') {
			const cls = n.properties?.className;
			const className = Array.isArray(cls) ? cls.join(' ') : typeof cls === 'string' ? cls : undefined;
			return (
				<span key={i} className={className}>
					{renderHast(n.children as HastNode[])}
				</span>
			);
		}
		return null;
	});
}
