// Liftoff's service worker: shows the Web Push notifications the server
// sends (webpush.Notification: {title, body, tag, icon, data: {rid, mid,
// tmid, url}}) and, on a click, brings the app to the room: an open tab is
// focused and told where to go, otherwise a new one opens at the URL.
/* eslint-env serviceworker */

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

/** sameOriginPath keeps a URL only if it stays on this origin. */
function sameOriginPath(url) {
	try {
		const u = new URL(url || '/', self.location.origin);
		return u.origin === self.location.origin ? u.pathname + u.search + u.hash : '/';
	} catch {
		return '/';
	}
}

self.addEventListener('push', (event) => {
	let n = {};
	try {
		n = event.data ? event.data.json() : {};
	} catch {
		n = { title: 'New message', body: event.data ? event.data.text() : '' };
	}
	const data = n.data || {};
	event.waitUntil(
		self.registration.showNotification(n.title || 'New message', {
			body: n.body || '',
			tag: n.tag || data.rid || undefined,
			icon: n.icon || undefined,
			data: { ...data, url: sameOriginPath(data.url) },
		}),
	);
});

self.addEventListener('notificationclick', (event) => {
	event.notification.close();
	const url = sameOriginPath(event.notification.data && event.notification.data.url);
	event.waitUntil(
		(async () => {
			const tabs = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
			const tab = tabs.find((c) => new URL(c.url).origin === self.location.origin);
			if (tab) {
				await tab.focus();
				tab.postMessage({ type: 'liftoff:open', url });
				return;
			}
			await self.clients.openWindow(url);
		})(),
	);
});
