import { ApiError } from '../../lib/api';
import { navigate } from '../../lib/router';
import { beforeLogout, connection } from '../../lib/session';

// Web Push: notifications that reach the person when no tab is open. The
// browser subscribes with the server's VAPID public key (push.info's
// webPushPublicKey), the subscription goes to the server with
// POST push.token {type: "web", value: <PushSubscription JSON>}, and the
// service worker (/sw.js) shows what the server pushes and opens the room
// on a click. The choice is per browser (localStorage), since each browser
// has its own subscription.

const KEY = 'liftoff.webpush';

export function webPushSupported(): boolean {
	return typeof window !== 'undefined' && 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/** base64UrlToBytes decodes the VAPID key (base64url, no padding) for pushManager.subscribe. */
export function base64UrlToBytes(s: string): Uint8Array<ArrayBuffer> {
	const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
	const bin = atob(b64);
	const out = new Uint8Array(new ArrayBuffer(bin.length));
	for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
	return out;
}

export function webPushWanted(): boolean {
	return localStorage.getItem(KEY) === 'on';
}

async function registration(): Promise<ServiceWorkerRegistration> {
	await navigator.serviceWorker.register('/sw.js', { scope: '/' });
	return navigator.serviceWorker.ready;
}

/** enableWebPush asks for permission, subscribes this browser and registers the subscription with the server. */
export async function enableWebPush(): Promise<void> {
	if (!webPushSupported()) throw new ApiError('This browser cannot receive push notifications.');
	const info = await connection.rest.getRaw<{ webPushPublicKey?: string }>('/v1/push.info');
	if (!info.webPushPublicKey) throw new ApiError('This server does not send Web Push notifications.');
	const permission = await Notification.requestPermission();
	if (permission !== 'granted') throw new ApiError('Notifications are blocked for this site: allow them in the browser’s site settings.');
	const reg = await registration();
	let sub = await reg.pushManager.getSubscription();
	const key = base64UrlToBytes(info.webPushPublicKey);
	// A subscription made with another key (the server's keys were replaced) cannot be used.
	if (sub && sub.options.applicationServerKey && !sameBytes(new Uint8Array(sub.options.applicationServerKey), key)) {
		await sub.unsubscribe();
		sub = null;
	}
	sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
	await connection.rest.postRaw('/v1/push.token', { type: 'web', value: sub.toJSON(), appName: 'liftoff-web' });
	localStorage.setItem(KEY, 'on');
}

/** disableWebPush removes this browser's subscription, here and on the server. */
export async function disableWebPush(): Promise<void> {
	localStorage.removeItem(KEY);
	if (!webPushSupported()) return;
	const reg = await navigator.serviceWorker.getRegistration('/');
	const sub = await reg?.pushManager.getSubscription();
	if (!sub) return;
	try {
		await connection.rest.send('/v1/push.token', 'DELETE', { body: JSON.stringify({ token: sub.endpoint }), headers: { 'Content-Type': 'application/json' } });
	} catch (err) {
		if (!(err instanceof ApiError && err.status === 404)) throw err;
	}
	await sub.unsubscribe();
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
	return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** startWebPush follows the service worker's "open this room" messages and refreshes the subscription at sign-in. */
export function startWebPush(): () => void {
	if (!webPushSupported()) return () => undefined;
	const onMessage = (e: MessageEvent) => {
		const d = e.data as { type?: string; url?: string } | undefined;
		if (d?.type === 'liftoff:open' && typeof d.url === 'string' && d.url.startsWith('/') && !d.url.startsWith('//')) navigate(d.url);
	};
	navigator.serviceWorker.addEventListener('message', onMessage);
	// The server may have dropped an expired subscription: register it again.
	if (webPushWanted() && Notification.permission === 'granted') void enableWebPush().catch(() => undefined);
	return () => navigator.serviceWorker.removeEventListener('message', onMessage);
}

// Signing out of this browser stops its pushes for that account.
beforeLogout(async () => {
	if (webPushWanted()) await disableWebPush();
});
