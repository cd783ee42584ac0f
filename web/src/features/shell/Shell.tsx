import { lazy, Suspense, useEffect, useRef, useState } from 'react';

import { startPresence } from '../../chat/presence';
import { roomsStore, startRooms } from '../../chat/rooms';
import { displayName, roomPath } from '../../chat/types';
import { tabTitle, unreadSummary } from '../../chat/unread';
import { loadEmoji } from '../../markup/emoji';
import { navigate, useRoute } from '../../lib/router';
import { connection, publicSettings, useMe, useSetting } from '../../lib/session';
import { adoptServerTheme } from '../../ui/theme';
import { adoptServerPrefs } from '../sidebar/prefs';
import { useStore } from '../../lib/store';
import { Splash } from '../../ui/Splash';
import { AccountPage } from '../account/Account';
import { Directory } from '../directory/Directory';
import { InvitePage } from '../invite/InvitePage';
import { RoomView } from '../room/RoomView';
import { Sidebar, orderedRooms } from '../sidebar/Sidebar';
import { RoomSwitcher } from './RoomSwitcher';
import { ConnectionBanner } from './ConnectionBanner';
import { HomePage } from './HomePage';
import { startDesktopNotifications } from './notifications';
import { setFavicon } from './favicon';
import { startCustomEmoji } from '../../markup/customEmoji';
import { startWebPush } from '../webpush/webpush';
import { startE2E, stopE2E } from '../../e2e/client';
import { E2EBanner } from '../../e2e/ui';

const Admin = lazy(() => import('../admin/Admin'));

// The signed-in app: the sidebar of rooms on the left, the page of the route
// on the right; on a phone, one of the two at a time.

export function Shell() {
	const route = useRoute();
	const [switcher, setSwitcher] = useState(false);
	const main = useRef<HTMLElement>(null);

	const me = useMe();
	useEffect(() => {
		adoptServerPrefs(me.settings?.preferences);
		adoptServerTheme(me.settings?.preferences?.themeAppearence);
	}, [me.settings?.preferences]);

	useEffect(() => {
		void startRooms();
		startPresence();
		void loadEmoji();
		const stopCustomEmoji = startCustomEmoji();
		const stopWebPush = startWebPush();
		startE2E();
		const stopNotifications = startDesktopNotifications();
		return () => {
			stopE2E();
			stopCustomEmoji();
			stopWebPush();
			stopNotifications?.();
		};
	}, []);

	useTitleAndFavicon();

	useEffect(() => {
		function onKey(e: KeyboardEvent) {
			if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
				e.preventDefault();
				setSwitcher(true);
				return;
			}
			if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
				e.preventDefault();
				const list = orderedRooms();
				const cur = window.location.pathname;
				const i = list.findIndex((s) => isAt(cur, roomPath(s)));
				const next = list[(i + (e.key === 'ArrowUp' ? -1 : 1) + list.length) % list.length];
				if (next) navigate(roomPath(next));
			}
		}
		window.addEventListener('keydown', onKey);
		return () => window.removeEventListener('keydown', onKey);
	}, []);

	const roomOpen = route.name !== 'home';
	let page;
	switch (route.name) {
		case 'room':
			page = <RoomView key={`${route.kind}/${route.key}`} route={route} />;
			break;
		case 'directory':
			page = <Directory tab={route.tab} />;
			break;
		case 'account':
			page = <AccountPage tab={route.tab} />;
			break;
		case 'admin':
			page = (
				<Suspense fallback={<Splash />}>
					<Admin section={route.section} id={route.id} />
				</Suspense>
			);
			break;
		case 'invite':
			page = <InvitePage token={route.token} />;
			break;
		case 'not-found':
			page = <HomePage notFound={route.path} />;
			break;
		default:
			page = <HomePage />;
	}

	return (
		<div className="lo-shell" data-room-open={roomOpen || undefined}>
			<a className="lo-skip" href="#lo-main">
				Skip to content
			</a>
			<div className="lo-banners">
				<ConnectionBanner />
				<E2EBanner />
			</div>
			<aside className="lo-sidebar" aria-label="Rooms and navigation">
				<Sidebar onOpenSwitcher={() => setSwitcher(true)} />
			</aside>
			<main className="lo-main" id="lo-main" ref={main} tabIndex={-1}>
				{page}
			</main>
			{switcher && <RoomSwitcher onClose={() => setSwitcher(false)} />}
		</div>
	);
}

function useTitleAndFavicon() {
	const site = useSetting('Site_Name', 'Liftoff');
	const route = useRoute();
	const subs = useStore(roomsStore, (s) => s.subs);
	useEffect(() => {
		const summary = unreadSummary(subs.values());
		let current: string | undefined;
		if (route.name === 'room') {
			for (const s of subs.values()) if (isAt(window.location.pathname, roomPath(s))) current = (s.t === 'd' ? '@' : '#') + displayName(s);
		}
		document.title = tabTitle(String(site || 'Liftoff'), current, summary);
		setFavicon(summary);
	}, [subs, site, route]);
	useEffect(() => {
		// The connection is the page's: close it when the page goes.
		const close = () => connection.sdk.connection.close();
		window.addEventListener('pagehide', close);
		return () => window.removeEventListener('pagehide', close);
	}, []);
	void publicSettings;
}

/** isAt: the path is the room's page or one of its panels. */
function isAt(path: string, room: string): boolean {
	return path === room || path.startsWith(`${room}/`);
}
