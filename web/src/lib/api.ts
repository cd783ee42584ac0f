import { RestClient } from '@rocket.chat/api-client';

// Errors from the server, REST or DDP, in one shape the UI can show.
export class ApiError extends Error {
	readonly status: number;
	readonly errorType: string | undefined;
	readonly details: unknown;
	constructor(message: string, status = 0, errorType?: string, details?: unknown) {
		super(message);
		this.name = 'ApiError';
		this.status = status;
		this.errorType = errorType;
		this.details = details;
	}

	/** The endpoint or method does not exist on this server (yet). */
	get isMissing(): boolean {
		return this.status === 404 || this.errorType === 'not-found' || this.errorType === '404';
	}
}

/** errorMessage gives a sentence for any thrown value, for error banners and toasts. */
export function errorMessage(err: unknown): string {
	if (err instanceof ApiError) {
		if (err.isMissing) return `This server does not offer this feature yet (${err.message}).`;
		return err.message;
	}
	if (err instanceof Error) return err.message;
	if (typeof err === 'string') return err;
	return 'Something went wrong.';
}

type ErrorBody = { error?: unknown; reason?: unknown; message?: unknown; errorType?: unknown; details?: unknown };

/** fromResponse turns a failed fetch Response (as api-client rejects with) into an ApiError. */
export async function fromResponse(res: Response): Promise<ApiError> {
	let body: ErrorBody = {};
	try {
		body = (await res.json()) as ErrorBody;
	} catch {
		// not JSON: keep the status text
	}
	const text = [body.error, body.message, body.reason].find((v): v is string => typeof v === 'string' && v !== '');
	const type = typeof body.errorType === 'string' ? body.errorType : undefined;
	return new ApiError(cleanReason(text ?? `${res.status} ${res.statusText}`), res.status, type, body.details);
}

/** fromDDP turns a Meteor method error ({error, reason, message, details}) into an ApiError. */
export function fromDDP(err: unknown): ApiError {
	if (err instanceof ApiError) return err;
	if (err && typeof err === 'object') {
		const e = err as ErrorBody;
		const type = typeof e.error === 'string' ? e.error : typeof e.errorType === 'string' ? e.errorType : undefined;
		const text = [e.reason, e.message, e.error].find((v): v is string => typeof v === 'string' && v !== '');
		const status = type === '404' || type === 'method-not-found' || (typeof e.error === 'number' && e.error === 404) ? 404 : 0;
		return new ApiError(cleanReason(text ?? 'The server refused the request.'), status, type === 'method-not-found' ? 'not-found' : type, e.details);
	}
	return new ApiError(String(err));
}

// Rocket.Chat appends the error type in brackets ("Room not found [error-room-not-found]").
function cleanReason(text: string): string {
	return text.replace(/\s*\[[a-zA-Z0-9_-]+\]$/, '');
}

/** Rest is api-client's RestClient, with failures as ApiError and credentials from the session. */
export class Rest extends RestClient {
	private creds: () => { uid: string; token: string } | undefined;

	constructor(origin: string, creds: () => { uid: string; token: string } | undefined) {
		super({ baseUrl: origin });
		this.creds = creds;
		this.use(async (args, next) => {
			try {
				return await next(...args);
			} catch (err) {
				if (err instanceof Response) throw await fromResponse(err);
				throw new ApiError(err instanceof Error ? `Network error: ${err.message}` : 'Network error');
			}
		});
	}

	override getCredentials() {
		const c = this.creds();
		return c ? { 'X-User-Id': c.uid, 'X-Auth-Token': c.token } : undefined;
	}

	/** getRaw calls an endpoint that the typings do not list (yet) with a query object. */
	async getRaw<T>(endpoint: string, params?: Record<string, string | number | boolean | undefined>): Promise<T> {
		const q = new URLSearchParams();
		for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined) q.set(k, String(v));
		const qs = q.toString();
		const res = await this.send(`${endpoint}${qs ? `?${qs}` : ''}`, 'GET');
		return (await res.json()) as T;
	}

	/** postRaw sends a JSON body to an endpoint that the typings do not list (yet). */
	async postRaw<T>(endpoint: string, body: unknown): Promise<T> {
		const res = await this.send(endpoint, 'POST', {
			body: JSON.stringify(body),
			headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
		});
		return (await res.json()) as T;
	}
}
