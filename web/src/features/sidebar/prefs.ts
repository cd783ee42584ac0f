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

/**
 * adoptServerPrefs applies the preferences the server keeps for the user
 * (Rocket.Chat's users.getPreferences keys, sent in /v1/me) where this
 * browser has no choice of its own, so they follow the user to a new device.
 */
export function adoptServerPrefs(prefs: Record<string, unknown> | undefined) {
	if (!prefs || localStorage.getItem(KEY)) return;
	const patch: Partial<SidebarPrefs> = {};
	if (prefs.sidebarSortby === 'activity' || prefs.sidebarSortby === 'alphabetical') patch.sortBy = prefs.sidebarSortby;
	if (typeof prefs.sidebarShowUnread === 'boolean') patch.showUnread = prefs.sidebarShowUnread;
	if (typeof prefs.sidebarShowFavorites === 'boolean') patch.showFavorites = prefs.sidebarShowFavorites;
	if (typeof prefs.sidebarGroupByType === 'boolean') patch.groupByType = prefs.sidebarGroupByType;
	if (Object.keys(patch).length) sidebarPrefs.set((p) => ({ ...p, ...patch }));
}
