import { Callout, Icon, Select, Skeleton, TextInput } from '@rocket.chat/fuselage';
import { useDebouncedValue } from '@rocket.chat/fuselage-hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import type { Room, Subscription } from '../../chat/types';
import { errorMessage } from '../../lib/api';
import { formatDateTime, toMillis, type WireDate } from '../../lib/dates';
import { connection } from '../../lib/session';
import { PanelFrame } from '../panels/PanelFrame';
import { downloadUrl, fileUrl, Lightbox } from './Attachments';
import { formatSize } from './upload';

// The room's Files panel (Rocket.Chat's contextual bar "Files"): the room's
// uploads, newest first, searchable by name and filtered by kind, from
// channels.files / groups.files / im.files.

type RoomFile = { _id: string; name: string; size?: number; type?: string; typeGroup?: string; url?: string; path?: string; uploadedAt?: WireDate; description?: string; user?: { username: string; name?: string } };

export function filesEndpoint(t: string | undefined): string {
	return t === 'p' ? '/v1/groups.files' : t === 'd' ? '/v1/im.files' : '/v1/channels.files';
}

const kinds: [string, string][] = [
	['all', 'All'],
	['image', 'Images'],
	['video', 'Videos'],
	['audio', 'Audio'],
	['text', 'Texts'],
	['application', 'Files'],
];

export function FilesPanel({ rid, room, sub, onClose }: { rid: string; room?: Room; sub?: Subscription; onClose: () => void }) {
	const [text, setText] = useState('');
	const [kind, setKind] = useState('all');
	const name = useDebouncedValue(text, 300);
	const [open, setOpen] = useState<RoomFile>();
	const t = room?.t ?? sub?.t;
	const q = useQuery({
		queryKey: ['files', rid, name, kind],
		queryFn: async () =>
			(
				await connection.rest.getRaw<{ files: RoomFile[]; total: number }>(filesEndpoint(t), {
					roomId: rid,
					name: name || undefined,
					typeGroup: kind === 'all' ? undefined : kind,
					sort: JSON.stringify({ uploadedAt: -1 }),
					count: 50,
				})
			).files,
	});
	return (
		<PanelFrame title="Files" icon="clip" onClose={onClose}>
			<div className="lo-panel-filters">
				<TextInput placeholder="Search files" aria-label="Search files" value={text} onChange={(e) => setText((e.target as HTMLInputElement).value)} />
				<Select aria-label="Kind of file" value={kind} onChange={(v) => setKind(String(v))} options={kinds} />
			</div>
			{q.isLoading && <Skeleton />}
			{q.error && <Callout type="danger">{errorMessage(q.error)}</Callout>}
			{q.data?.length === 0 && <p className="lo-muted">No files here{name ? ' with that name' : ' yet'}.</p>}
			<ul className="lo-panel-list" role="list" aria-label="Files">
				{q.data?.map((f) => {
					const url = fileUrl(f.url ?? f.path);
					const image = f.typeGroup === 'image' && f.type !== 'image/svg+xml' && url;
					return (
						<li key={f._id} className="lo-file-row">
							{image ? (
								<button type="button" className="lo-file-thumb" onClick={() => setOpen(f)} aria-label={`Open image ${f.name}`}>
									<img src={url} alt="" loading="lazy" />
								</button>
							) : (
								<span className="lo-file-thumb">
									<Icon name="file" size="x24" />
								</span>
							)}
							<div className="lo-file-row-text">
								{url ? (
									<a href={downloadUrl(url)} download={f.name} className="lo-file-name">
										{f.name}
									</a>
								) : (
									<span className="lo-file-name">{f.name}</span>
								)}
								<span className="lo-muted">
									{[f.user?.username && `@${f.user.username}`, formatSize(f.size), f.uploadedAt ? formatDateTime(toMillis(f.uploadedAt)) : ''].filter(Boolean).join(' · ')}
								</span>
							</div>
						</li>
					);
				})}
			</ul>
			{open && fileUrl(open.url ?? open.path) && <Lightbox src={fileUrl(open.url ?? open.path)!} title={open.name} onClose={() => setOpen(undefined)} />}
		</PanelFrame>
	);
}
