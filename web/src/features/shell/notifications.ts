import { subscriptionOf } from '../../chat/rooms';
import { roomPath } from '../../chat/types';
import { navigate } from '../../lib/router';
import { connection, currentUser } from '../../lib/session';

// Desktop notifications (the Notification API) for what the server decides
// the user should hear about (mentions, direct messages, per the user's and
// the room's preferences): it sends them on <uid>/notification. Shown only
// while the tab is hidden or unfocused; a click opens the room.

type NotificationEvent = {
	title?: string;
	text?: string;
	payload?: { _id?: string; rid?: string; tmid?: string; type?: string; name?: string; sender?: { username?: string } };
};

export function notificationsSupported(): boolean {
	return typeof window !== 'undefined' && 'Notification' in window;
}

export async function askNotificationPermission(): Promise<NotificationPermission | 'unsupported'> {
	if (!notificationsSupported()) return 'unsupported';
	return Notification.requestPermission();
}

export function startDesktopNotifications(): () => void {
	const me = currentUser();
	if (!me) return () => undefined;
	return connection.stream('notify-user', `${me._id}/notification`, (raw) => {
		const n = raw as NotificationEvent | undefined;
		if (!n || !notificationsSupported() || Notification.permission !== 'granted') return;
		if (!document.hidden && document.hasFocus()) return;
		const rid = n.payload?.rid;
		const sub = rid ? subscriptionOf(rid) : undefined;
		if (sub?.disableNotifications || sub?.desktopNotifications === 'nothing') return;
		const prefs = me.settings?.preferences ?? {};
		if (prefs.desktopNotifications === 'nothing' && !sub?.desktopNotifications) return;
		try {
			const note = new Notification(n.title ?? 'New message', {
				body: n.text ?? '',
				tag: n.payload?._id,
				icon: n.payload?.sender?.username ? `/avatar/${encodeURIComponent(n.payload.sender.username)}` : undefined,
				requireInteraction: Boolean(prefs.desktopNotificationRequireInteraction),
			});
			note.onclick = () => {
				window.focus();
				if (sub) navigate(roomPath(sub) + (n.payload?.tmid ? `/thread/${n.payload.tmid}` : ''));
				note.close();
			};
		} catch {
			// Some browsers allow notifications only from a service worker.
		}
	});
}
