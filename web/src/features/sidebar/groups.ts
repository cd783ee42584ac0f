import type { Room, Subscription } from '../../chat/types';
import { displayName } from '../../chat/types';
import { isUnread } from '../../chat/unread';
import type { SidebarPrefs } from './prefs';

// Which rooms the sidebar lists, in which groups and order.

export type SidebarEntry = Subscription & { lm?: number; uids?: string[] };
export type SidebarGroup = { id: string; title: string; rooms: SidebarEntry[] };

export function groupRooms(subs: Iterable<Subscription>, rooms: Map<string, Room>, prefs: SidebarPrefs, filter: string): SidebarGroup[] {
	const needle = filter.trim().toLowerCase();
	const list: SidebarEntry[] = [];
	for (const s of subs) {
		if (!s.open && !needle) continue;
		if (needle && !displayName(s).toLowerCase().includes(needle) && !s.name.toLowerCase().includes(needle)) continue;
		const r = rooms.get(s.rid);
		list.push({ ...s, lm: r?.lm ?? r?.ts ?? s.ts, uids: r?.uids, teamMain: s.teamMain ?? r?.teamMain, prid: s.prid ?? r?.prid });
	}
	const cmp =
		prefs.sortBy === 'alphabetical'
			? (a: SidebarEntry, b: SidebarEntry) => displayName(a).localeCompare(displayName(b), undefined, { sensitivity: 'base' })
			: (a: SidebarEntry, b: SidebarEntry) => (b.lm ?? 0) - (a.lm ?? 0);
	list.sort(cmp);
	const groups: SidebarGroup[] = [];
	const taken = new Set<string>();
	const add = (id: string, title: string, pick: (s: SidebarEntry) => boolean) => {
		const rooms = list.filter((s) => !taken.has(s.rid) && pick(s));
		for (const r of rooms) taken.add(r.rid);
		if (rooms.length) groups.push({ id, title, rooms });
	};
	if (prefs.showUnread) add('unread', 'Unread', isUnread);
	if (prefs.showFavorites) add('favorites', 'Favorites', (s) => Boolean(s.f));
	if (prefs.groupByType) {
		add('teams', 'Teams', (s) => Boolean(s.teamMain));
		add('discussions', 'Discussions', (s) => Boolean(s.prid));
		add('channels', 'Channels', (s) => s.t === 'c' || s.t === 'p');
		add('direct', 'Direct messages', (s) => s.t === 'd');
		add('other', 'Other', () => true);
	} else {
		add('conversations', 'Conversations', () => true);
	}
	return groups;
}
