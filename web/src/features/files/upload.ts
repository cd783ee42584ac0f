import { ApiError } from '../../lib/api';
import { connection } from '../../lib/session';
import { createStore } from '../../lib/store';

// Uploading files into a room, as Rocket.Chat's web client does: the file
// goes to rooms.media/:rid (a temporary upload), then rooms.mediaConfirm
// sends the file message with its description (and thread). Uploads run in
// the background with their progress in uploadsStore, so the composer can
// show a bar per file and let the person cancel one.

export type UploadJob = {
	id: string;
	rid: string;
	tmid?: string;
	name: string;
	size: number;
	/** bytes sent so far */
	loaded: number;
	error?: string;
	abort: () => void;
};

export const uploadsStore = createStore<UploadJob[]>([]);

let seq = 0;

function patch(id: string, p: Partial<UploadJob>) {
	uploadsStore.set((jobs) => jobs.map((j) => (j.id === id ? { ...j, ...p } : j)));
}

export function dismissUpload(id: string) {
	uploadsStore.set((jobs) => jobs.filter((j) => j.id !== id));
}

export type UploadOptions = { description?: string; msg?: string; tmid?: string };

/** percent is the share of a job sent, 0–100. */
export function percent(job: Pick<UploadJob, 'loaded' | 'size'>): number {
	if (job.size <= 0) return job.loaded > 0 ? 100 : 0;
	return Math.min(100, Math.round((job.loaded / job.size) * 100));
}

/**
 * uploadFile sends one file and its message. It resolves with the message's
 * id once the server confirmed it, and rejects with an ApiError (the job then
 * stays in the store with its error until dismissed). A cancelled upload
 * rejects with an ApiError of type "aborted" and leaves no job behind.
 */
export async function uploadFile(rid: string, file: File | Blob, name: string, opts: UploadOptions = {}): Promise<string> {
	const id = `up-${++seq}`;
	const xhr = new XMLHttpRequest();
	let aborted = false;
	const job: UploadJob = {
		id,
		rid,
		tmid: opts.tmid,
		name,
		size: file.size,
		loaded: 0,
		abort: () => {
			aborted = true;
			xhr.abort();
			dismissUpload(id);
		},
	};
	uploadsStore.set((jobs) => [...jobs, job]);
	try {
		const form = new FormData();
		form.append('file', file, name);
		const media = await send<{ file: { _id: string } }>(xhr, `/api/v1/rooms.media/${encodeURIComponent(rid)}`, form, (loaded) => patch(id, { loaded }));
		if (aborted) throw new ApiError('Upload cancelled', 0, 'aborted');
		const body: Record<string, string> = {};
		if (opts.msg) body.msg = opts.msg;
		if (opts.description) body.description = opts.description;
		if (opts.tmid) body.tmid = opts.tmid;
		const confirmed = await connection.rest.postRaw<{ message: { _id: string } }>(`/v1/rooms.mediaConfirm/${encodeURIComponent(rid)}/${encodeURIComponent(media.file._id)}`, body);
		dismissUpload(id);
		return confirmed.message._id;
	} catch (err) {
		const e = err instanceof ApiError ? err : new ApiError(err instanceof Error ? err.message : String(err));
		if (!aborted) patch(id, { error: e.message });
		throw e;
	}
}

function send<T>(xhr: XMLHttpRequest, url: string, body: FormData, onProgress: (loaded: number) => void): Promise<T> {
	return new Promise<T>((resolve, reject) => {
		xhr.open('POST', url);
		const c = connection.credentials;
		if (c) {
			xhr.setRequestHeader('X-User-Id', c.uid);
			xhr.setRequestHeader('X-Auth-Token', c.token);
		}
		xhr.setRequestHeader('Accept', 'application/json');
		xhr.upload.onprogress = (e) => onProgress(e.loaded);
		xhr.onload = () => {
			let json: Record<string, unknown> = {};
			try {
				json = JSON.parse(xhr.responseText) as Record<string, unknown>;
			} catch {
				// not JSON
			}
			if (xhr.status >= 200 && xhr.status < 300 && json.success !== false) {
				resolve(json as T);
				return;
			}
			const text = [json.error, json.message, json.reason].find((v): v is string => typeof v === 'string' && v !== '');
			const type = typeof json.errorType === 'string' ? json.errorType : undefined;
			reject(new ApiError(explain(type, text ?? `${xhr.status} ${xhr.statusText}`), xhr.status, type));
		};
		xhr.onerror = () => reject(new ApiError('Network error while uploading'));
		xhr.onabort = () => reject(new ApiError('Upload cancelled', 0, 'aborted'));
		xhr.send(body);
	});
}

// Rocket.Chat's error types, in words a person understands.
function explain(type: string | undefined, text: string): string {
	switch (type) {
		case 'error-file-too-large':
			return 'The file is too large for this server.';
		case 'error-invalid-file-type':
			return 'Files of this type are not allowed here.';
		case 'error-file-upload-disabled':
			return 'File uploads are disabled on this server.';
		case 'error-direct-message-file-upload-not-allowed':
			return 'Files cannot be sent in direct messages on this server.';
		default:
			return text.replace(/\s*\[[a-zA-Z0-9_-]+\]$/, '');
	}
}

/** formatSize writes a byte count the way Rocket.Chat's file list does (1 decimal, binary units). */
export function formatSize(bytes: number | undefined): string {
	if (bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return '';
	if (bytes < 1024) return `${bytes} B`;
	const units = ['KB', 'MB', 'GB', 'TB'];
	let v = bytes / 1024;
	let i = 0;
	while (v >= 1024 && i < units.length - 1) {
		v /= 1024;
		i++;
	}
	return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** pastedName names a pasted picture that came without a file name. */
export function pastedName(file: File, now = new Date()): string {
	if (file.name && file.name !== 'image.png') return file.name;
	const ext = (file.type.split('/')[1] ?? 'png').replace(/[^a-z0-9]/gi, '') || 'png';
	const pad = (n: number) => String(n).padStart(2, '0');
	return `Clipboard - ${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}.${pad(now.getMinutes())}.${ext}`;
}
