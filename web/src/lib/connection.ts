import { DDPSDK } from '@rocket.chat/ddp-client';

import { ApiError, fromDDP, Rest } from './api';
import { createStore } from './store';

// The connection to the server: one DDP WebSocket (DDPSDK: methods, login,
// streams, reconnection with resume) and the REST client, sharing the
// session's credentials.

export type LinkState = 'connecting' | 'online' | 'reconnecting' | 'offline';

export type Credentials = { uid: string; token: string };

type Listener = () => void;

export class Connection {
	readonly sdk: DDPSDK;
	readonly rest: Rest;
	/** link is the WebSocket's state, for the reconnect banner. */
	readonly link = createStore<LinkState>('connecting');
	private creds: Credentials | undefined;
	private resumedListeners = new Set<Listener>();
	private everConnected = false;

	constructor(origin: string) {
		// DDPSDK adds /websocket itself.
		const ws = origin.replace(/^http/, 'ws');
		// DDPSDK's default retries once, 100 ms after a drop; a chat client
		// must keep trying for as long as the tab is open.
		this.sdk = DDPSDK.create(ws, { retryCount: Number.MAX_SAFE_INTEGER, retryTime: 1000 });
		this.rest = new Rest(origin, () => this.creds);
		this.sdk.connection.on('connection', (status) => {
			switch (status) {
				case 'connected':
					this.link.set('online');
					break;
				case 'connecting':
				case 'reconnecting':
					this.link.set(this.everConnected ? 'reconnecting' : 'connecting');
					break;
				case 'disconnected':
				case 'closed':
				case 'failed':
					this.link.set(this.everConnected ? 'reconnecting' : 'offline');
					break;
				default:
			}
		});
		this.sdk.connection.on('connected', () => {
			if (!this.everConnected) {
				this.everConnected = true;
				return;
			}
			// DDPSDK logs in again with the token and re-subscribes by itself;
			// once the login is through, listeners catch up on what they missed.
			if (!this.creds) {
				this.fireResumed();
				return;
			}
			const off = this.sdk.account.on('user', () => {
				off();
				this.fireResumed();
			});
		});
	}

	private fireResumed() {
		for (const l of [...this.resumedListeners]) l();
	}

	async connect(): Promise<void> {
		this.link.set('connecting');
		try {
			await this.sdk.connection.connect();
		} catch {
			// DDPSDK keeps retrying; the link store shows it.
		}
	}

	get credentials(): Credentials | undefined {
		return this.creds;
	}

	setCredentials(c: Credentials | undefined) {
		this.creds = c;
	}

	/** onResumed runs fn after every reconnection, once the session is logged in again. */
	onResumed(fn: Listener): () => void {
		this.resumedListeners.add(fn);
		return () => this.resumedListeners.delete(fn);
	}

	/** call runs a DDP method; failures are ApiError. */
	async call<T = unknown>(method: string, ...params: unknown[]): Promise<T> {
		try {
			return (await this.sdk.call(method, ...params)) as T;
		} catch (err) {
			throw fromDDP(err);
		}
	}

	/**
	 * stream subscribes to one event of a Rocket.Chat stream (name without the
	 * "stream-" prefix, as DDPSDK takes it) and returns the function that stops it.
	 */
	stream(name: string, event: string, cb: (...args: unknown[]) => void): () => void {
		const sub = this.sdk.stream(name as never, [event, false] as never, cb);
		sub.ready().catch((err: unknown) => {
			console.warn(`subscription to stream-${name} ${event} refused`, err);
		});
		return () => sub.stop();
	}
}

export { ApiError };
