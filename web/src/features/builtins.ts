import { roomPanels } from '../plugins';
import { InfoPanel } from './panels/InfoPanel';
import { DiscussionsPanel, NotificationsPanel, ThreadsPanel } from './panels/ListsPanels';
import { MembersPanel } from './panels/MembersPanel';
import { makeMessagesPanel } from './panels/MessagesPanel';
import { ThreadPanel } from './panels/ThreadPanel';

// The core features register themselves through the same extension points
// that later features use (see plugins.ts).

export function registerBuiltins() {
	roomPanels.add({ id: 'thread', title: 'Thread', icon: 'thread', order: 0, component: ThreadPanel });
	roomPanels.add({ id: 'threads', title: 'Threads', icon: 'thread', order: 10, inHeader: true, component: ThreadsPanel });
	roomPanels.add({ id: 'info', title: 'Room information', icon: 'info-circled', order: 20, inHeader: true, component: InfoPanel });
	roomPanels.add({ id: 'members', title: 'Members', icon: 'members', order: 30, inHeader: true, visible: (room, sub) => (room?.t ?? sub?.t) !== 'd' || (room?.uids?.length ?? 0) > 2, component: MembersPanel });
	roomPanels.add({ id: 'search', title: 'Search messages', icon: 'magnifier', order: 40, inHeader: true, component: makeMessagesPanel('search') });
	roomPanels.add({ id: 'discussions', title: 'Discussions', icon: 'discussion', order: 50, visible: (room) => !room?.prid, component: DiscussionsPanel });
	roomPanels.add({ id: 'pinned', title: 'Pinned messages', icon: 'pin', order: 60, component: makeMessagesPanel('pinned') });
	roomPanels.add({ id: 'starred', title: 'Starred messages', icon: 'star', order: 70, component: makeMessagesPanel('starred') });
	roomPanels.add({ id: 'mentions', title: 'Mentions', icon: 'at', order: 80, component: makeMessagesPanel('mentions') });
	roomPanels.add({ id: 'notifications', title: 'Notification preferences', icon: 'bell', order: 90, visible: (_room, sub) => Boolean(sub), component: NotificationsPanel });
}
