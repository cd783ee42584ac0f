import { Callout, Skeleton } from '@rocket.chat/fuselage';
import { useEffect, useMemo, useState } from 'react';

import { messagesStore, upsert } from '../../chat/messages';
import { buildRows } from '../../chat/rows';
import { normalizeMessage, roomPath as pathOf, type Message, type Subscription } from '../../chat/types';
import { errorMessage } from '../../lib/api';
import { connection } from '../../lib/session';
import { useStore } from '../../lib/store';
import { MessageItem } from '../room/MessageItem';
import { Composer } from '../room/Composer';
import { PanelFrame } from './PanelFrame';

// A thread: its first message, its replies (live: replies arrive on the
// room's stream like any message, carrying tmid), and a composer that
// replies in the thread.

export function ThreadPanel({ rid, sub, tabId, onClose }: { rid: string; sub?: Subscription; tabId?: string; onClose: () => void }) {
	const tmid = tabId ?? '';
	const all = useStore(messagesStore, (m) => m.get(rid)?.messages);
	const [error, setError] = useState<string>();
	const [loading, setLoading] = useState(true);
	const [parentFetched, setParentFetched] = useState<Message>();

	useEffect(() => {
		let live = true;
		setLoading(true);
		(async () => {
			try {
				const [parent, replies] = await Promise.all([
					connection.rest.getRaw<{ message: Record<string, unknown> }>('/v1/chat.getMessage', { msgId: tmid }),
					connection.rest.getRaw<{ messages: Record<string, unknown>[] }>('/v1/chat.getThreadMessages', { tmid, count: 200, sort: JSON.stringify({ ts: -1 }) }),
				]);
				if (!live) return;
				const p = normalizeMessage(parent.message);
				setParentFetched(p);
				upsert([p, ...replies.messages.map(normalizeMessage)]);
			} catch (err) {
				if (live) setError(errorMessage(err));
			} finally {
				if (live) setLoading(false);
			}
		})();
		return () => {
			live = false;
		};
	}, [tmid]);

	const parent = all?.find((m) => m._id === tmid) ?? parentFetched;
	const replies = useMemo(() => (all ?? []).filter((m) => m.tmid === tmid), [all, tmid]);
	const rows = useMemo(() => buildRows(replies), [replies]);
	const path = sub ? pathOf(sub) : `/channel/${rid}`;
	const composerKey = `thread:${tmid}`;

	return (
		<PanelFrame title="Thread" icon="thread" onClose={onClose} footer={<div className="lo-panel-footer"><Composer rid={rid} tmid={tmid} composerKey={composerKey} placeholder="Reply in thread" /></div>}>
			<div className="lo-thread" data-testid="thread-panel">
				{error && <Callout type="danger">{error}</Callout>}
				{parent && (
					<div className="lo-thread-parent">
						<MessageItem message={parent} sequential={false} sub={sub} roomPath={path} inThread composerKey={composerKey} />
					</div>
				)}
				<div className="lo-thread-count lo-muted">{replies.length === 1 ? '1 reply' : `${replies.length} replies`}</div>
				{loading && <Skeleton />}
				<div className="lo-thread-replies" role="log" aria-label="Thread replies">
					{rows.map((r) => (r.kind === 'message' ? <MessageItem key={r.key} message={r.message} sequential={r.sequential} sub={sub} roomPath={path} inThread composerKey={composerKey} /> : null))}
				</div>
			</div>
		</PanelFrame>
	);
}
