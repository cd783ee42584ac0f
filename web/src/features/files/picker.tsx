import { IconButton } from '@rocket.chat/fuselage';
import { useRef, useState, type ClipboardEvent, type DragEvent, type ReactNode } from 'react';

import { useSetting } from '../../lib/session';
import { createStore, useStore } from '../../lib/store';
import { pastedName } from './upload';
import { UploadDialog, UploadProgress, type PendingFile } from './UploadDialog';

// How files reach a composer: its attach button, a paste of files, or a drop
// on the room. Each hands the files to the composer's upload dialog through
// pickedFiles (keyed by the composer), so the drop zone and the composer
// need not know each other.

type Picked = { key: string; files: PendingFile[] };
const pickedFiles = createStore<Picked | undefined>(undefined);

export function pickFiles(key: string, list: FileList | File[]) {
	const files = [...list].map((file) => ({ file, name: pastedName(file) }));
	if (files.length > 0) pickedFiles.set({ key, files });
}

/** useUploadsAllowed follows FileUpload_Enabled (and FileUpload_Enabled_Direct in direct rooms). */
export function useUploadsAllowed(roomType: string | undefined): boolean {
	const enabled = useSetting<unknown>('FileUpload_Enabled', true);
	const direct = useSetting<unknown>('FileUpload_Enabled_Direct', true);
	return enabled !== false && (roomType !== 'd' || direct !== false);
}

/** filesFromClipboard picks the files of a paste (pictures copied from another program, files copied in a file manager). */
export function filesFromClipboard(e: ClipboardEvent): File[] {
	const out: File[] = [];
	for (const item of e.clipboardData?.items ?? []) {
		if (item.kind === 'file') {
			const f = item.getAsFile();
			if (f) out.push(f);
		}
	}
	return out;
}

/** ComposerUploads: the attach button, the upload dialog and the progress of this composer's uploads. */
export function AttachButton({ composerKey }: { composerKey: string }) {
	const input = useRef<HTMLInputElement>(null);
	return (
		<>
			<IconButton small icon="plus" title="Upload file" aria-label="Upload file" onClick={() => input.current?.click()} />
			<input
				ref={input}
				type="file"
				multiple
				hidden
				data-testid="file-input"
				onChange={(e) => {
					if (e.target.files) pickFiles(composerKey, e.target.files);
					e.target.value = '';
				}}
			/>
		</>
	);
}

export function ComposerUploads({ rid, tmid, composerKey }: { rid: string; tmid?: string; composerKey: string }) {
	const picked = useStore(pickedFiles, (p) => (p?.key === composerKey ? p : undefined));
	return (
		<>
			<UploadProgress rid={rid} tmid={tmid} />
			{picked && <UploadDialog key={picked.files.map((f) => f.name).join('/')} rid={rid} tmid={tmid} files={picked.files} onDone={() => pickedFiles.set(undefined)} />}
		</>
	);
}

function hasFiles(e: DragEvent): boolean {
	return [...(e.dataTransfer?.types ?? [])].includes('Files');
}

/** DropZone: files dropped anywhere in it go to the composer's upload dialog; "Drop to upload" shows while dragging. */
export function DropZone({ composerKey, enabled, children, className }: { composerKey: string; enabled: boolean; children: ReactNode; className?: string }) {
	const [over, setOver] = useState(0);
	return (
		<div
			className={className}
			data-dragging={over > 0 ? true : undefined}
			onDragEnter={(e) => {
				if (!enabled || !hasFiles(e)) return;
				e.preventDefault();
				setOver((n) => n + 1);
			}}
			onDragOver={(e) => {
				if (!enabled || !hasFiles(e)) return;
				e.preventDefault();
				e.dataTransfer.dropEffect = 'copy';
			}}
			onDragLeave={(e) => {
				if (!enabled || !hasFiles(e)) return;
				setOver((n) => Math.max(0, n - 1));
			}}
			onDrop={(e) => {
				if (!enabled || !hasFiles(e)) return;
				e.preventDefault();
				setOver(0);
				pickFiles(composerKey, e.dataTransfer.files);
			}}
		>
			{children}
			{over > 0 && (
				<div className="lo-dropzone" aria-hidden>
					Drop to upload
				</div>
			)}
		</div>
	);
}
