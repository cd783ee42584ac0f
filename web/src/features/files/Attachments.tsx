import { Icon, IconButton } from '@rocket.chat/fuselage';
import { useEffect, useRef, useState } from 'react';

import type { Attachment, Message } from '../../chat/types';
import { Markup } from '../../markup/Markup';
import { formatSize } from './upload';

// File attachments as Rocket.Chat builds them (parseFileIntoMessageAttachments:
// title, title_link, description, and image_url / audio_url / video_url, or
// format and size) drawn as Rocket.Chat's web client draws them: a picture
// with its name above it (a click opens it large), an audio or video player,
// or a file card with its type and size and a download link. The URLs are
// /file-upload/... on this server; the browser sends the rc_uid/rc_token
// cookies with them.

/** fileUrl accepts the server's own paths and http(s) URLs only. */
export function fileUrl(u: unknown): string | undefined {
	if (typeof u !== 'string' || u === '') return undefined;
	if (u.startsWith('/') && !u.startsWith('//')) return u;
	try {
		const p = new URL(u);
		return p.protocol === 'https:' || p.protocol === 'http:' ? p.href : undefined;
	} catch {
		return undefined;
	}
}

/** downloadUrl asks the server for a download (Content-Disposition: attachment). */
export function downloadUrl(u: string): string {
	return `${u}${u.includes('?') ? '&' : '?'}download`;
}

export type FileKind = 'image' | 'audio' | 'video' | 'file';

/** fileKind says how a file attachment renders; undefined for attachments that are not files. */
export function fileKind(a: Attachment): FileKind | undefined {
	if (fileUrl(a.image_url)) return 'image';
	if (fileUrl(a.audio_url)) return 'audio';
	if (fileUrl(a.video_url)) return 'video';
	if (a.type === 'file' && fileUrl(a.title_link)) return 'file';
	return undefined;
}

function Title({ a }: { a: Attachment }) {
	const link = fileUrl(a.title_link);
	const size = formatSize(typeof a.image_size === 'number' ? a.image_size : typeof a.audio_size === 'number' ? a.audio_size : typeof a.video_size === 'number' ? a.video_size : typeof a.size === 'number' ? a.size : undefined);
	return (
		<div className="lo-file-title">
			<span className="lo-file-name">{a.title}</span>
			{size && <span className="lo-muted"> ({size})</span>}
			{link && (
				<a className="lo-file-download" href={a.title_link_download === false ? link : downloadUrl(link)} download={a.title ?? ''} aria-label={`Download ${a.title ?? 'file'}`} title="Download">
					<Icon name="download" size="x16" />
				</a>
			)}
		</div>
	);
}

function Description({ a }: { a: Attachment }) {
	return a.description ? <Markup text={a.description} /> : null;
}

export function ImageAttachment({ attachment: a }: { attachment: Attachment; message: Message }) {
	const [open, setOpen] = useState(false);
	const src = fileUrl(a.image_url)!;
	const full = fileUrl(a.title_link) ?? src;
	const dims = a.image_dimensions as { width?: number; height?: number } | undefined;
	// Rocket.Chat shows pictures at most 368 wide and 368 high, keeping the ratio.
	let width: number | undefined;
	let height: number | undefined;
	if (dims?.width && dims.height) {
		const scale = Math.min(1, 368 / dims.width, 368 / dims.height);
		width = Math.round(dims.width * scale);
		height = Math.round(dims.height * scale);
	}
	return (
		<div className="lo-file" data-kind="image">
			<Title a={a} />
			<Description a={a} />
			<button type="button" className="lo-file-image" onClick={() => setOpen(true)} aria-label={`Open image ${a.title ?? ''}`.trim()}>
				<img src={src} alt={a.description || a.title || 'image'} width={width} height={height} loading="lazy" />
			</button>
			{open && <Lightbox src={full} title={a.title ?? ''} onClose={() => setOpen(false)} />}
		</div>
	);
}

/** Lightbox shows a picture over the page; Esc, the close button or a click beside it closes it. */
export function Lightbox({ src, title, onClose }: { src: string; title: string; onClose: () => void }) {
	const ref = useRef<HTMLDivElement>(null);
	useEffect(() => {
		const prev = document.activeElement as HTMLElement | null;
		ref.current?.querySelector<HTMLElement>('button')?.focus();
		const onKey = (e: KeyboardEvent) => {
			if (e.key === 'Escape') {
				e.preventDefault();
				e.stopPropagation();
				onClose();
			}
		};
		window.addEventListener('keydown', onKey, true);
		return () => {
			window.removeEventListener('keydown', onKey, true);
			prev?.focus?.();
		};
	}, [onClose]);
	return (
		<div ref={ref} className="lo-lightbox" role="dialog" aria-modal="true" aria-label={title || 'Image'} onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
			<div className="lo-lightbox-bar">
				<span className="lo-lightbox-title">{title}</span>
				<a href={downloadUrl(src)} download={title} aria-label="Download" title="Download" className="lo-lightbox-action">
					<Icon name="download" size="x20" />
				</a>
				<IconButton icon="cross" aria-label="Close" title="Close" onClick={onClose} />
			</div>
			<img src={src} alt={title} className="lo-lightbox-img" />
		</div>
	);
}

export function AudioAttachment({ attachment: a }: { attachment: Attachment; message: Message }) {
	return (
		<div className="lo-file" data-kind="audio">
			<Title a={a} />
			<Description a={a} />
			<audio controls preload="none" src={fileUrl(a.audio_url)} className="lo-file-audio" aria-label={a.title ?? 'audio'}>
				<track kind="captions" />
			</audio>
		</div>
	);
}

export function VideoAttachment({ attachment: a }: { attachment: Attachment; message: Message }) {
	return (
		<div className="lo-file" data-kind="video">
			<Title a={a} />
			<Description a={a} />
			<video controls preload="metadata" src={fileUrl(a.video_url)} className="lo-file-video" aria-label={a.title ?? 'video'}>
				<track kind="captions" />
			</video>
		</div>
	);
}

export function FileAttachment({ attachment: a }: { attachment: Attachment; message: Message }) {
	const link = fileUrl(a.title_link)!;
	const format = typeof a.format === 'string' ? a.format.toUpperCase() : '';
	return (
		<div className="lo-file" data-kind="file">
			<Description a={a} />
			<a className="lo-file-card" href={downloadUrl(link)} download={a.title ?? ''}>
				<Icon name="file" size="x32" />
				<span className="lo-file-card-text">
					<span className="lo-file-name">{a.title}</span>
					<span className="lo-muted">{[format, formatSize(typeof a.size === 'number' ? a.size : undefined)].filter(Boolean).join(' · ')}</span>
				</span>
				<Icon name="download" size="x20" />
			</a>
		</div>
	);
}
