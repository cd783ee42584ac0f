import { createStore } from '../../lib/store';

// How the sidebar lists rooms. Kept in this browser; the same keys as
// Rocket.Chat's user preferences (sidebarSortby, sidebarShowFavorites,
// sidebarShowUnread, sidebarGroupByType), which are also sent to the server.

export type SidebarPrefs = { sortBy: 'activity' | 'alphabetical'; showUnread: boolean; showFavorites: boolean; groupByType: boolean };

const KEY = 'liftoff.sidebar';
const defaults: SidebarPrefs = { sortBy: 'activity', showUnread: false, showFavorites: true, groupByType: true };

function read(): SidebarPrefs {
	try {
		return { ...defaults, ...(JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<SidebarPrefs>) };
	} catch {
		return defaults;
	}
}

export const sidebarPrefs = createStore<SidebarPrefs>(typeof localStorage === 'undefined' ? defaults : read());

export function setSidebarPrefs(patch: Partial<SidebarPrefs>) {
	sidebarPrefs.set((p) => {
		const next = { ...p, ...patch };
		localStorage.setItem(KEY, JSON.stringify(next));
		return next;
	});
}
