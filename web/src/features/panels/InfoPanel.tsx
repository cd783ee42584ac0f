import { Box, Button, ButtonGroup, Callout, Field, FieldHint, FieldLabel, FieldRow, TextAreaInput, TextInput, ToggleSwitch } from '@rocket.chat/fuselage';
import { useState } from 'react';

import { displayName, type Room, type Subscription } from '../../chat/types';
import { formatDateTime } from '../../lib/dates';
import { navigate } from '../../lib/router';
import { connection, hasPermission, useSetting } from '../../lib/session';
import { subscriptionOf } from '../../chat/rooms';
import { Markup } from '../../markup/Markup';
import { toast, toastError } from '../../ui/toast';
import { PanelFrame } from './PanelFrame';

// Room information, and for those allowed (edit-room), its settings:
// name, topic, announcement, description, read-only, private; leave,
// archive and delete.

export function InfoPanel({ rid, room, sub, onClose }: { rid: string; room?: Room; sub?: Subscription; onClose: () => void }) {
	const [editing, setEditing] = useState(false);
	const roles = sub?.roles ?? [];
	const canEdit = room?.t !== 'd' && hasPermission('edit-room', roles);
	const canArchive = hasPermission('archive-room', roles);
	const canDelete = hasPermission(room?.t === 'p' ? 'delete-p' : room?.t === 'd' ? 'delete-d' : 'delete-c', roles);
	if (!room) return <PanelFrame title="Room information" icon="info-circled" onClose={onClose}>Loading…</PanelFrame>;
	if (editing) return <EditRoom rid={rid} room={room} onDone={() => setEditing(false)} onClose={onClose} />;

	async function leave() {
		if (!window.confirm(`Leave ${displayName(room)}?`)) return;
		try {
			await connection.rest.postRaw('/v1/rooms.leave', { roomId: rid });
			navigate('/home');
		} catch (err) {
			toastError(err);
		}
	}
	async function archive() {
		try {
			await connection.call(room?.archived ? 'unarchiveRoom' : 'archiveRoom', rid);
			toast(room?.archived ? 'Room unarchived' : 'Room archived');
		} catch (err) {
			toastError(err);
		}
	}
	async function remove() {
		if (!window.confirm(`Delete ${displayName(room)} and all its messages? This cannot be undone.`)) return;
		try {
			await connection.rest.postRaw('/v1/rooms.delete', { roomId: rid } as never);
			navigate('/home');
		} catch (err) {
			toastError(err);
		}
	}

	return (
		<PanelFrame title="Room information" icon="info-circled" onClose={onClose}>
			<h2 className="lo-info-name">{displayName(room)}</h2>
			<dl className="lo-info">
				<Item label="Type" value={room.teamMain ? 'Team' : room.prid ? 'Discussion' : room.t === 'p' ? 'Private group' : room.t === 'd' ? 'Direct message' : 'Public channel'} />
				{room.topic && <Item label="Topic" value={<Markup text={room.topic} />} />}
				{room.announcement && <Item label="Announcement" value={<Markup text={room.announcement} />} />}
				{room.description && <Item label="Description" value={<Markup text={room.description} />} />}
				{room.usersCount !== undefined && <Item label="Members" value={String(room.usersCount)} />}
				{room.msgs !== undefined && <Item label="Messages" value={String(room.msgs)} />}
				{room.ts ? <Item label="Created" value={formatDateTime(room.ts)} /> : null}
				{room.ro && <Item label="Read only" value="Only some members may post" />}
				{room.encrypted === true && <Item label="Encrypted" value="End-to-end encrypted" />}
				{room.archived && <Item label="Archived" value="No one can post" />}
			</dl>
			<ButtonGroup vertical stretch>
				{canEdit && <Button onClick={() => setEditing(true)}>Edit</Button>}
				{room.t !== 'd' && sub && (
					<Button onClick={() => void leave()} danger secondary>
						Leave
					</Button>
				)}
				{canArchive && room.t !== 'd' && <Button onClick={() => void archive()}>{room.archived ? 'Unarchive' : 'Archive'}</Button>}
				{canDelete && (
					<Button danger onClick={() => void remove()}>
						Delete
					</Button>
				)}
			</ButtonGroup>
		</PanelFrame>
	);
}

function Item({ label, value }: { label: string; value: React.ReactNode }) {
	return (
		<Box marginBlockEnd="x12">
			<dt>{label}</dt>
			<dd>{value}</dd>
		</Box>
	);
}

function EditRoom({ rid, room, onDone, onClose }: { rid: string; room: Room; onDone: () => void; onClose: () => void }) {
	const [form, setForm] = useState({
		roomName: room.name ?? '',
		roomTopic: room.topic ?? '',
		roomAnnouncement: room.announcement ?? '',
		roomDescription: room.description ?? '',
		readOnly: Boolean(room.ro),
		roomType: room.t,
		encrypted: room.encrypted === true,
	});
	// Encryption applies to private groups and direct rooms, for holders of
	// toggle-room-e2e-encryption, when the server enables it (Rocket.Chat's rules).
	const e2eOn = useSetting<unknown>('E2E_Enable', false) === true;
	const canEncrypt = e2eOn && (room.t === 'p' || room.t === 'd') && hasPermission('toggle-room-e2e-encryption', subscriptionOf(rid)?.roles ?? []);
	const [error, setError] = useState<string>();
	const [busy, setBusy] = useState(false);
	async function save() {
		setBusy(true);
		setError(undefined);
		try {
			const changed: Record<string, unknown> = {};
			if (form.roomName !== (room.name ?? '')) changed.roomName = form.roomName;
			if (form.roomTopic !== (room.topic ?? '')) changed.roomTopic = form.roomTopic;
			if (form.roomAnnouncement !== (room.announcement ?? '')) changed.roomAnnouncement = form.roomAnnouncement;
			if (form.roomDescription !== (room.description ?? '')) changed.roomDescription = form.roomDescription;
			if (form.readOnly !== Boolean(room.ro)) changed.readOnly = form.readOnly;
			if (form.roomType !== room.t) changed.roomType = form.roomType;
			if (canEncrypt && form.encrypted !== (room.encrypted === true)) changed.encrypted = form.encrypted;
			if (Object.keys(changed).length) await connection.call('saveRoomSettings', rid, changed);
			toast('Room saved', 'success');
			onDone();
		} catch (err) {
			setError(err instanceof Error ? err.message : String(err));
		} finally {
			setBusy(false);
		}
	}
	const text = (k: 'roomName' | 'roomTopic' | 'roomAnnouncement' | 'roomDescription', label: string, area = false) => (
		<Field marginBlockEnd="x16">
			<FieldLabel htmlFor={`edit-${k}`}>{label}</FieldLabel>
			<FieldRow>
				{area ? (
					<TextAreaInput id={`edit-${k}`} rows={3} value={form[k]} onChange={(e) => setForm((f) => ({ ...f, [k]: (e.target as HTMLTextAreaElement).value }))} />
				) : (
					<TextInput id={`edit-${k}`} value={form[k]} onChange={(e) => setForm((f) => ({ ...f, [k]: (e.target as HTMLInputElement).value }))} />
				)}
			</FieldRow>
		</Field>
	);
	return (
		<PanelFrame title="Edit room" icon="pencil" onClose={onClose} onBack={onDone}>
			{text('roomName', 'Name')}
			{text('roomTopic', 'Topic')}
			{text('roomAnnouncement', 'Announcement', true)}
			{text('roomDescription', 'Description', true)}
			<Field marginBlockEnd="x16">
				<FieldRow>
					<FieldLabel htmlFor="edit-private">Private</FieldLabel>
					<ToggleSwitch id="edit-private" checked={form.roomType === 'p'} onChange={() => setForm((f) => ({ ...f, roomType: f.roomType === 'p' ? 'c' : 'p' }))} />
				</FieldRow>
			</Field>
			<Field marginBlockEnd="x16">
				<FieldRow>
					<FieldLabel htmlFor="edit-ro">Read only</FieldLabel>
					<ToggleSwitch id="edit-ro" checked={form.readOnly} onChange={() => setForm((f) => ({ ...f, readOnly: !f.readOnly }))} />
				</FieldRow>
			</Field>
			{canEncrypt && (
				<Field marginBlockEnd="x16">
					<FieldRow>
						<FieldLabel htmlFor="edit-encrypted">Encrypted</FieldLabel>
						<ToggleSwitch id="edit-encrypted" checked={form.encrypted} disabled={form.roomType !== 'p' && room.t !== 'd'} onChange={() => setForm((f) => ({ ...f, encrypted: !f.encrypted }))} />
					</FieldRow>
					<FieldHint>End-to-end encrypted: only members' browsers and apps can read new messages; the server cannot, nor search them.</FieldHint>
				</Field>
			)}
			{error && <Callout type="danger">{error}</Callout>}
			<ButtonGroup stretch>
				<Button onClick={onDone}>Cancel</Button>
				<Button primary loading={busy} onClick={() => void save()}>
					Save
				</Button>
			</ButtonGroup>
		</PanelFrame>
	);
}
