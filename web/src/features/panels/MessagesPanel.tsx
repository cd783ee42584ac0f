import { Callout, Skeleton, TextInput } from '@rocket.chat/fuselage';
import { useDebouncedValue } from '@rocket.chat/fuselage-hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import { clearMessages } from '../../chat/messages';
import { normalizeMessage, roomPath, type Message } from '../../chat/types';
import { subscriptionOf } from '../../chat/rooms';
import { errorMessage } from '../../lib/api';
import { formatDateTime } from '../../lib/dates';
import { Link } from '../../lib/router';
import { connection } from '../../lib/session';
import { Markup } from '../../markup/Markup';
import { UserAvatar } from '../../ui/Avatar';
import { PanelFrame } from './PanelFrame';

// Panels that list messages of a room from one endpoint: pinned, starred,
// mentions, search results.

type Source = { endpoint: string; params: (rid: string, text: string) => Record<string, string | number>; pick: (answer: Record<string, unknown>) => Record<string, unknown>[] };

const sources: Record<string, Source> = {
	pinned: { endpoint: '/v1/chat.getPinnedMessages', params: (rid) => ({ roomId: rid, count: 50 }), pick: (a) => (a.messages as Record<string, unknown>[]) ?? [] },
	starred: { endpoint: '/v1/chat.getStarredMessages', params: (rid) => ({ roomId: rid, count: 50 }), pick: (a) => (a.messages as Record<string, unknown>[]) ?? [] },
	mentions: { endpoint: '/v1/chat.getMentionedMessages', params: (rid) => ({ roomId: rid, count: 50 }), pick: (a) => (a.messages as Record<string, unknown>[]) ?? [] },
	search: { endpoint: '/v1/chat.search', params: (rid, text) => ({ roomId: rid, searchText: text, count: 50 }), pick: (a) => (a.messages as Record<string, unknown>[]) ?? [] },
};

const titles: Record<string, [string, string, string]> = {
	pinned: ['Pinned messages', 'pin', 'No pinned messages.'],
	starred: ['Starred messages', 'star', 'You starred no message here.'],
	mentions: ['Mentions', 'at', 'No one mentioned you here.'],
	search: ['Search messages', 'magnifier', 'No message matches.'],
};

export function makeMessagesPanel(kind: keyof typeof sources) {
	return function MessagesPanel({ rid, onClose }: { rid: string; onClose: () => void }) {
		const [text, setText] = useState('');
		const src = sources[kind]!;
		const [title, icon, empty] = titles[kind]!;
		const needsText = kind === 'search';
		const term = useDebouncedValue(text.trim(), 300);
		const q = useQuery({
			queryKey: ['messages-panel', kind, rid, term],
			enabled: !needsText || term.length > 0,
			queryFn: async () => clearMessages(src.pick(await connection.rest.getRaw<Record<string, unknown>>(src.endpoint, src.params(rid, term))).map(normalizeMessage)),
		});
		return (
			<PanelFrame title={title} icon={icon} onClose={onClose}>
				{needsText && (
					<TextInput autoFocus placeholder="Search in this room" aria-label="Search in this room" value={text} onChange={(e) => setText((e.target as HTMLInputElement).value)} marginBlockEnd="x16" />
				)}
				{q.isLoading && <Skeleton />}
				{q.error && <Callout type="danger">{errorMessage(q.error)}</Callout>}
				{q.data && q.data.length === 0 && <p className="lo-muted">{needsText && !text ? '' : empty}</p>}
				<ul className="lo-panel-list" role="list">
					{q.data?.map((m) => <MessageCard key={m._id} m={m} />)}
				</ul>
			</PanelFrame>
		);
	};
}

export function MessageCard({ m }: { m: Message }) {
	const sub = subscriptionOf(m.rid);
	const to = `${sub ? roomPath(sub) : `/channel/${m.rid}`}${m.tmid ? `/thread/${m.tmid}` : ''}?msg=${m._id}`;
	return (
		<li className="lo-message-card">
			<UserAvatar username={m.u.username} size="x24" />
			<div>
				<div className="lo-message-card-head">
					<strong>{m.u.name || m.u.username}</strong> <span className="lo-muted">{formatDateTime(m.ts)}</span> <Link to={to}>Jump to message</Link>
				</div>
				<Markup text={m.msg} />
			</div>
		</li>
	);
}
