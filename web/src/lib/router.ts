import { createElement, type AnchorHTMLAttributes, type MouseEvent } from 'react';

import { createStore, useStore } from './store';

// The app's routes are Rocket.Chat's (/home, /channel/NAME, /group/NAME,
// /direct/RID, /admin/...), so links copied from either client work in the
// other. A small History API router: the route is a store, links push state.

export const location$ = createStore<string>(typeof window === 'undefined' ? '/' : window.location.pathname + window.location.search);

if (typeof window !== 'undefined') {
	window.addEventListener('popstate', () => location$.set(window.location.pathname + window.location.search));
}

export function navigate(to: string, opts: { replace?: boolean } = {}) {
	if (to === location$.get()) return;
	if (opts.replace) window.history.replaceState(null, '', to);
	else window.history.pushState(null, '', to);
	location$.set(to);
}

export type RoomTab = 'thread' | 'members' | 'info' | 'pinned' | 'starred' | 'mentions' | 'threads' | 'discussions' | 'search' | 'files' | 'notifications' | 'user';

export type Route =
	| { name: 'login' }
	| { name: 'register'; secret?: string }
	| { name: 'invite'; token: string }
	| { name: 'home' }
	| { name: 'room'; kind: 'channel' | 'group' | 'direct'; key: string; tab?: RoomTab; tabId?: string }
	| { name: 'directory'; tab: 'channels' | 'users' | 'teams' }
	| { name: 'account'; tab: 'profile' | 'preferences' | 'security' }
	| { name: 'admin'; section: string; id?: string }
	| { name: 'not-found'; path: string };

const tabs: readonly string[] = ['thread', 'members', 'info', 'pinned', 'starred', 'mentions', 'threads', 'discussions', 'search', 'files', 'notifications', 'user'];

export function parseRoute(pathWithQuery: string): Route {
	const path = pathWithQuery.split(/[?#]/)[0] ?? '/';
	const parts = path.split('/').filter(Boolean).map((p) => {
		try {
			return decodeURIComponent(p);
		} catch {
			return p;
		}
	});
	const [head, a, b, c] = parts;
	switch (head) {
		case undefined:
		case 'home':
			return { name: 'home' };
		case 'login':
			return { name: 'login' };
		case 'register':
			return { name: 'register', secret: a };
		case 'invite':
			if (!a) return { name: 'home' };
			return { name: 'invite', token: a };
		case 'channel':
		case 'group':
		case 'direct':
			if (!a) return { name: 'home' };
			return { name: 'room', kind: head, key: a, tab: b && tabs.includes(b) ? (b as RoomTab) : undefined, tabId: c };
		case 'directory':
			return { name: 'directory', tab: a === 'users' || a === 'teams' ? a : 'channels' };
		case 'account':
			return { name: 'account', tab: a === 'preferences' || a === 'security' ? a : 'profile' };
		case 'admin':
			return { name: 'admin', section: a ?? 'info', id: b };
		default:
			return { name: 'not-found', path };
	}
}

export function useRoute(): Route {
	const loc = useStore(location$, (l) => l);
	return parseRoute(loc);
}

export function useLocation(): string {
	return useStore(location$, (l) => l);
}

/** Link is an anchor that navigates inside the app (a new tab still works with the real href). */
export function Link({ to, onClick, ...props }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
	return createElement('a', {
		...props,
		href: to,
		onClick: (e: MouseEvent<HTMLAnchorElement>) => {
			onClick?.(e);
			if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
			e.preventDefault();
			navigate(to);
		},
	});
}

/** interceptLinks makes same-origin links inside rendered messages navigate in the app. */
export function interceptLinks(root: HTMLElement) {
	root.addEventListener('click', (e) => {
		if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
		const a = (e.target as HTMLElement | null)?.closest?.('a');
		if (!a || a.target === '_blank' || !a.href) return;
		const url = new URL(a.href);
		if (url.origin !== window.location.origin) return;
		if (/^\/(api|avatar|file-upload|websocket)\//.test(url.pathname)) return;
		e.preventDefault();
		navigate(url.pathname + url.search);
	});
}
