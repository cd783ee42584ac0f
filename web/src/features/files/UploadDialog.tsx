import { Button, Field, FieldLabel, FieldRow, IconButton, Icon, TextInput } from '@rocket.chat/fuselage';
import { useEffect, useState, type FormEvent } from 'react';

import { useStore } from '../../lib/store';
import { Dialog } from '../create/CreateModals';
import { dismissUpload, formatSize, percent, uploadFile, uploadsStore } from './upload';

// The dialog before a file is sent (Rocket.Chat's FileUploadModal): the file's
// name (editable), a picture's preview, and a description that becomes the
// attachment's text. Several files (a drop of many) are asked one after the
// other.

export type PendingFile = { file: File; name: string };

export function UploadDialog({ rid, tmid, files, onDone }: { rid: string; tmid?: string; files: PendingFile[]; onDone: () => void }) {
	const [index, setIndex] = useState(0);
	const current = files[index];
	const [name, setName] = useState(current?.name ?? '');
	const [description, setDescription] = useState('');
	const [preview, setPreview] = useState<string>();

	useEffect(() => {
		setName(current?.name ?? '');
		setDescription('');
		if (!current || !current.file.type.startsWith('image/') || current.file.type === 'image/svg+xml') {
			setPreview(undefined);
			return;
		}
		const url = URL.createObjectURL(current.file);
		setPreview(url);
		return () => URL.revokeObjectURL(url);
	}, [current]);

	if (!current) return null;

	function next() {
		if (index + 1 < files.length) setIndex(index + 1);
		else onDone();
	}

	function submit(e: FormEvent) {
		e.preventDefault();
		const finalName = name.trim() || current!.name;
		// The upload runs in the background; its progress shows above the composer.
		uploadFile(rid, current!.file, finalName, { description: description.trim() || undefined, tmid }).catch(() => undefined);
		next();
	}

	return (
		<Dialog
			title={files.length > 1 ? `Upload file ${index + 1} of ${files.length}` : 'Upload file'}
			onClose={onDone}
			onSubmit={submit}
			footer={
				<>
					<Button type="button" onClick={next}>
						{files.length > 1 && index + 1 < files.length ? 'Skip' : 'Cancel'}
					</Button>
					<Button type="submit" primary>
						Send
					</Button>
				</>
			}
		>
			{preview ? (
				<img className="lo-upload-preview" src={preview} alt="" />
			) : (
				<div className="lo-upload-fileinfo">
					<Icon name="file" size="x32" /> <span>{formatSize(current.file.size)}</span>
				</div>
			)}
			<Field>
				<FieldLabel htmlFor="upload-name">File name</FieldLabel>
				<FieldRow>
					<TextInput id="upload-name" value={name} onChange={(e) => setName((e.target as HTMLInputElement).value)} />
				</FieldRow>
			</Field>
			<Field>
				<FieldLabel htmlFor="upload-description">File description</FieldLabel>
				<FieldRow>
					<TextInput id="upload-description" value={description} onChange={(e) => setDescription((e.target as HTMLInputElement).value)} />
				</FieldRow>
			</Field>
		</Dialog>
	);
}

/** UploadProgress shows the room's (or thread's) running and failed uploads, each with a bar. */
export function UploadProgress({ rid, tmid }: { rid: string; tmid?: string }) {
	const jobs = useStore(uploadsStore, (all) => all);
	const mine = jobs.filter((j) => j.rid === rid && j.tmid === tmid);
	if (mine.length === 0) return null;
	return (
		<ul className="lo-uploads" aria-label="Uploads">
			{mine.map((j) => {
				const pct = percent(j);
				return (
					<li key={j.id} className={j.error ? 'lo-upload is-failed' : 'lo-upload'}>
						<div className="lo-upload-row">
							<span className="lo-upload-name">{j.name}</span>
							<span className="lo-muted">{j.error ? j.error : `${pct}%`}</span>
							{j.error ? (
								<IconButton mini icon="cross" aria-label={`Dismiss ${j.name}`} onClick={() => dismissUpload(j.id)} />
							) : (
								<IconButton mini icon="cross" aria-label={`Cancel upload of ${j.name}`} onClick={j.abort} />
							)}
						</div>
						{!j.error && <progress max={100} value={pct} aria-label={`Uploading ${j.name}`} />}
					</li>
				);
			})}
		</ul>
	);
}
