import { Button, Callout, Icon, MessageDivider, Skeleton, Throbber } from '@rocket.chat/fuselage';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Virtuoso, type VirtuosoHandle } from 'react-virtuoso';

import { loadOlder, messagesStore } from '../../chat/messages';
import { buildRows, visibleInRoom, type Row } from '../../chat/rows';
import type { Subscription } from '../../chat/types';
import { formatDay } from '../../lib/dates';
import { useSetting } from '../../lib/session';
import { useStore } from '../../lib/store';
import { MessageItem } from './MessageItem';

// The room's history: a virtualized list (react-virtuoso) that stays pinned
// to the newest message while the user is at the bottom, loads older pages
// when the top comes into view (keeping the scroll position), and offers
// "jump to latest" when scrolled up.

const START = 1_000_000_000;

type Props = {
	rid: string;
	sub?: Subscription;
	roomPath: string;
	unreadId?: string;
	highlightId?: string;
	onAtBottom: (atBottom: boolean) => void;
	composerKey: string;
};

export function MessageList({ rid, sub, roomPath, unreadId, highlightId, onAtBottom, composerKey }: Props) {
	const state = useStore(messagesStore, (all) => all.get(rid));
	const period = Number(useSetting('Message_GroupingPeriod', 300)) * 1000;
	const virtuoso = useRef<VirtuosoHandle>(null);
	const [atBottom, setAtBottom] = useState(true);
	const messages = state?.messages;
	const rows = useMemo(() => buildRows((messages ?? []).filter(visibleInRoom), { unreadId, period }), [messages, unreadId, period]);

	// When older rows are prepended, firstItemIndex moves back by their
	// number, which keeps the rows on screen where they were. The anchor is
	// the oldest message already shown: how far it moved down is how many
	// rows came before it.
	const first = useRef<{ id: string | undefined; at: number; index: number }>({ id: undefined, at: 0, index: START });
	const firstItemIndex = useMemo(() => {
		const prev = first.current;
		if (prev.id) {
			const at = rows.findIndex((r) => r.kind === 'message' && r.message._id === prev.id);
			if (at > prev.at) prev.index -= at - prev.at;
		}
		const firstMessage = rows.findIndex((r) => r.kind === 'message');
		const row = rows[firstMessage];
		prev.id = row?.kind === 'message' ? row.message._id : undefined;
		prev.at = Math.max(firstMessage, 0);
		return prev.index;
	}, [rows]);

	useLayoutEffect(() => {
		if (!highlightId) return;
		const i = rows.findIndex((r) => r.kind === 'message' && r.message._id === highlightId);
		if (i >= 0) virtuoso.current?.scrollToIndex({ index: i, align: 'center', behavior: 'auto' });
	}, [highlightId, rows]);

	useEffect(() => onAtBottom(atBottom), [atBottom, onAtBottom]);

	if (!state || (state.loading && rows.length === 0)) {
		return (
			<div className="lo-messages lo-messages--loading" aria-busy="true" aria-label="Loading messages">
				{[1, 2, 3].map((i) => (
					<div key={i} className="lo-skeleton-message">
						<Skeleton variant="rect" width={36} height={36} />
						<div>
							<Skeleton width={120} />
							<Skeleton width={320} />
						</div>
					</div>
				))}
			</div>
		);
	}

	return (
		<div className="lo-messages" role="log" aria-live="polite" aria-relevant="additions" aria-label="Messages">
			{state.error && (
				<Callout type="danger" margin="x8" role="alert">
					{state.error}
				</Callout>
			)}
			{rows.length === 0 && !state.loading && (
				<div className="lo-empty-room">
					<Icon name="balloon" size="x32" />
					<p>No messages yet. Say hello!</p>
				</div>
			)}
			<Virtuoso
				ref={virtuoso}
				className="lo-virtuoso"
				data={rows}
				firstItemIndex={firstItemIndex}
				initialTopMostItemIndex={unreadIndex(rows)}
				computeItemKey={(_, row) => row.key}
				followOutput={(bottom) => (bottom ? 'auto' : false)}
				alignToBottom
				atBottomThreshold={80}
				atBottomStateChange={setAtBottom}
				startReached={() => {
					if (state.hasMore && !state.loading) void loadOlder(rid);
				}}
				increaseViewportBy={{ top: 600, bottom: 300 }}
				components={{
					Header: () =>
						state.hasMore ? (
							<div className="lo-list-edge">{state.loading ? <Throbber size="x12" /> : null}</div>
						) : (
							<div className="lo-list-edge lo-muted">This is the start of the conversation.</div>
						),
				}}
				itemContent={(_, row) => <RowView row={row} sub={sub} roomPath={roomPath} highlightId={highlightId} composerKey={composerKey} />}
			/>
			{!atBottom && (
				<div className="lo-jump">
					<Button small primary onClick={() => virtuoso.current?.scrollToIndex({ index: 'LAST', behavior: 'smooth' })}>
						<Icon name="arrow-down" size="x16" /> Jump to latest
					</Button>
				</div>
			)}
		</div>
	);
}

function unreadIndex(rows: Row[]): number {
	// Open at the unread divider, with the message before it for context.
	const i = rows.findIndex((r) => r.kind === 'unread');
	return i >= 0 ? Math.max(i - 1, 0) : Math.max(rows.length - 1, 0);
}

function RowView({ row, sub, roomPath, highlightId, composerKey }: { row: Row; sub?: Subscription; roomPath: string; highlightId?: string; composerKey: string }) {
	if (row.kind === 'day') {
		return (
			<div className="lo-row">
				<MessageDivider>{formatDay(row.ts)}</MessageDivider>
			</div>
		);
	}
	if (row.kind === 'unread') {
		return (
			<div className="lo-row" data-testid="unread-divider">
				<MessageDivider unreadLabel="Unread messages" />
			</div>
		);
	}
	return (
		<div className="lo-row">
			<MessageItem message={row.message} sequential={row.sequential} sub={sub} roomPath={roomPath} highlighted={row.message._id === highlightId} composerKey={composerKey} />
		</div>
	);
}
