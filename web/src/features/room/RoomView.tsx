import { Button, Callout, Skeleton } from '@rocket.chat/fuselage';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';

import { messagesStore, openRoom } from '../../chat/messages';
import { findRoute, roomsStore } from '../../chat/rooms';
import { displayName, normalizeRoom, roomPath as pathOf, type Room } from '../../chat/types';
import { firstUnread, isUnread } from '../../chat/unread';
import { errorMessage } from '../../lib/api';
import { navigate, useLocation, type Route } from '../../lib/router';
import { connection, hasPermission, useMe } from '../../lib/session';
import { useStore } from '../../lib/store';
import { roomPanels } from '../../plugins';
import { useIsPhone } from '../../ui/layout';
import { toastError } from '../../ui/toast';
import { markRead } from './actions';
import { Composer } from './Composer';
import { MessageList } from './MessageList';
import { RoomHeader, MobileMenuButton } from './RoomHeader';
import { TypingIndicator } from './TypingIndicator';
import { DropZone, useUploadsAllowed } from '../files/picker';
import { isEncryptedRoom } from '../../e2e/client';
import { RoomKeyNotice } from '../../e2e/ui';

type RoomRoute = Extract<Route, { name: 'room' }>;

export function RoomView({ route }: { route: RoomRoute }) {
	const me = useMe();
	const loaded = useStore(roomsStore, (s) => s.loaded);
	const sub = useStore(roomsStore, () => findRoute(route.kind, route.key));
	const [preview, setPreview] = useState<Room | undefined>();
	const [problem, setProblem] = useState<string>();
	const rid = sub?.rid ?? preview?._id;
	const room = useStore(roomsStore, (s) => (rid ? s.rooms.get(rid) : undefined)) ?? preview;

	// A room the user is not in: a public channel to preview and join, or a
	// direct conversation to open by username.
	useEffect(() => {
		if (!loaded || sub) return;
		let live = true;
		(async () => {
			try {
				if (route.kind === 'direct') {
					const answer = (await connection.rest.post('/v1/im.create', { username: route.key } as never)) as unknown as { room: { rid?: string; _id: string } };
					if (live) navigate(`/direct/${answer.room.rid ?? answer.room._id}`, { replace: true });
					return;
				}
				const answer = (await connection.rest.get('/v1/rooms.info', { roomName: route.key } as never)) as unknown as { room: Record<string, unknown> };
				if (live) setPreview(normalizeRoom(answer.room));
			} catch (err) {
				if (live) setProblem(errorMessage(err));
			}
		})();
		return () => {
			live = false;
		};
	}, [loaded, sub, route.kind, route.key]);

	useEffect(() => {
		if (rid) void openRoom(rid);
	}, [rid]);

	// Opening a room the user had hidden shows it in the sidebar again, as in Rocket.Chat.
	const hidden = sub ? !sub.open : false;
	useEffect(() => {
		if (rid && hidden) void connection.call('openRoom', rid).catch(() => undefined);
	}, [rid, hidden]);

	const path = sub ? pathOf(sub) : room ? pathOf({ t: room.t, name: room.name, rid: room._id }) : `/${route.kind}/${route.key}`;

	// The unread divider marks where this visit started; it stays put while the room is open.
	const lastSeenAtOpen = useRef<number | undefined>(undefined);
	if (lastSeenAtOpen.current === undefined && sub) lastSeenAtOpen.current = isUnread(sub) ? (sub.ls ?? 0) : Number.MAX_SAFE_INTEGER;
	const messages = useStore(messagesStore, (all) => (rid ? all.get(rid)?.messages : undefined));
	const unreadId = useMemo(() => (messages && lastSeenAtOpen.current !== undefined ? firstUnread(messages, lastSeenAtOpen.current, me._id) : undefined), [messages, me._id]);

	// Read while the newest messages are on screen and the tab is visible.
	const [atBottom, setAtBottom] = useState(true);
	const [visible, setVisible] = useState(!document.hidden);
	useEffect(() => {
		const on = () => setVisible(!document.hidden);
		document.addEventListener('visibilitychange', on);
		window.addEventListener('focus', on);
		return () => {
			document.removeEventListener('visibilitychange', on);
			window.removeEventListener('focus', on);
		};
	}, []);
	const needsRead = Boolean(sub && (sub.alert || sub.unread > 0));
	useEffect(() => {
		if (!rid || !needsRead || !atBottom || !visible) return;
		const t = setTimeout(() => void markRead(rid).catch(() => undefined), 400);
		return () => clearTimeout(t);
	}, [rid, needsRead, atBottom, visible, messages?.length]);

	// Esc closes the open panel.
	useEffect(() => {
		if (!route.tab) return;
		const onKey = (e: KeyboardEvent) => {
			if (e.key === 'Escape' && !e.defaultPrevented) navigate(path);
		};
		window.addEventListener('keydown', onKey);
		return () => window.removeEventListener('keydown', onKey);
	}, [route.tab, path]);

	const loc = useLocation();
	// On a desktop the composer takes the focus when a room opens, as in Rocket.Chat; on a phone that would pop up the keyboard.
	const phone = useIsPhone();
	const highlightId = new URLSearchParams(loc.split('?')[1] ?? '').get('msg') ?? undefined;
	const onAtBottom = useCallback((b: boolean) => setAtBottom(b), []);
	const uploads = useUploadsAllowed(sub?.t ?? room?.t);

	if (problem) {
		return (
			<div className="lo-page">
				<header className="lo-page-header">
					<MobileMenuButton />
					<h1 className="lo-page-title">{route.key}</h1>
				</header>
				<div className="lo-page-body">
					<Callout type="warning" title="This room cannot be opened">
						{problem}
					</Callout>
				</div>
			</div>
		);
	}
	if (!rid) {
		return (
			<div className="lo-page" aria-busy="true">
				<header className="lo-page-header">
					<Skeleton width={200} />
				</header>
			</div>
		);
	}

	const panel = route.tab ? roomPanels.all().find((p) => p.id === route.tab) : undefined;
	const roomRoles = sub?.roles ?? [];
	const readOnly = room?.ro && !hasPermission('post-readonly', roomRoles);
	const disabledReason = room?.archived || sub?.archived ? 'This room is archived: no one can post in it.' : readOnly ? 'This room is read only.' : undefined;
	const name = displayName(sub ?? room);
	const composerKey = `room:${rid}`;

	return (
		<div className="lo-room-view" data-panel-open={panel ? true : undefined}>
			<DropZone className="lo-room-column" composerKey={`room:${rid}`} enabled={Boolean(sub) && uploads && !disabledReason}>
				<RoomHeader rid={rid} room={room} sub={sub} roomPath={path} tab={route.tab} />
				{isEncryptedRoom(room) && <RoomKeyNotice rid={rid} />}
				{room?.announcement && (
					<div className="lo-announcement" role="note">
						{room.announcement}
					</div>
				)}
				<MessageList rid={rid} sub={sub} roomPath={path} unreadId={unreadId} highlightId={highlightId} onAtBottom={onAtBottom} composerKey={composerKey} />
				<TypingIndicator rid={rid} />
				{sub ? (
					<Composer rid={rid} composerKey={composerKey} placeholder={`Message ${sub.t === 'd' ? '@' : '#'}${name}`} disabledReason={disabledReason} autoFocus={!phone} />
				) : (
					<div className="lo-join">
						<span>You are previewing #{name}.</span>
						<Button
							primary
							onClick={() =>
								connection.rest
									.post('/v1/channels.join', { roomId: rid } as never)
									.then(() => setPreview(undefined))
									.catch(toastError)
							}
						>
							Join
						</Button>
					</div>
				)}
			</DropZone>
			{panel && (
				<aside className="lo-panel" aria-label={panel.title}>
					<panel.component rid={rid} room={room} sub={sub} tabId={route.tabId} onClose={() => navigate(path)} />
				</aside>
			)}
		</div>
	);
}
