import { Button, Callout, Field, FieldHint, FieldLabel, FieldRow, Modal, ModalClose, ModalContent, ModalFooter, ModalFooterControllers, ModalHeader, ModalTitle, Select, TextAreaInput, TextInput, ToggleSwitch } from '@rocket.chat/fuselage';
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';

import { roomsStore } from '../../chat/rooms';
import { displayName, roomPath } from '../../chat/types';
import { errorMessage } from '../../lib/api';
import { navigate } from '../../lib/router';
import { connection, hasPermission, useSetting } from '../../lib/session';
import { toast } from '../../ui/toast';
import { UserPicker } from './UserPicker';

// Creating rooms: a channel or private group, a team, a discussion, or a
// direct message with one or more people.

export type CreateKind = 'c' | 'team' | 'discussion' | 'd';

/** Dialog: Fuselage's Modal over a backdrop; Esc or the backdrop closes it, focus stays inside. */
export function Dialog({ title, onClose, children, footer, onSubmit }: { title: string; onClose: () => void; children: ReactNode; footer: ReactNode; onSubmit: (e: FormEvent) => void }) {
	const ref = useRef<HTMLFormElement>(null);
	useEffect(() => {
		const prev = document.activeElement as HTMLElement | null;
		ref.current?.querySelector<HTMLElement>('input, textarea, select, button:not([aria-label="Close"])')?.focus();
		return () => prev?.focus?.();
	}, []);
	return (
		<div className="lo-overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()} onKeyDown={(e) => e.key === 'Escape' && (e.stopPropagation(), onClose())}>
			<form ref={ref} onSubmit={onSubmit} role="dialog" aria-modal="true" aria-label={title} className="lo-dialog">
				<Modal>
					<ModalHeader>
						<ModalTitle>{title}</ModalTitle>
						<ModalClose type="button" onClick={onClose} aria-label="Close" />
					</ModalHeader>
					<ModalContent>{children}</ModalContent>
					<ModalFooter>
						<ModalFooterControllers>{footer}</ModalFooterControllers>
					</ModalFooter>
				</Modal>
			</form>
		</div>
	);
}

export function CreateModal({ kind, parentRid, onClose }: { kind: CreateKind; parentRid?: string; onClose: () => void }) {
	switch (kind) {
		case 'd':
			return <CreateDirect onClose={onClose} />;
		case 'discussion':
			return <CreateDiscussion parentRid={parentRid} onClose={onClose} />;
		default:
			return <CreateRoom team={kind === 'team'} onClose={onClose} />;
	}
}

function CreateRoom({ team, onClose }: { team: boolean; onClose: () => void }) {
	const [name, setName] = useState('');
	const [topic, setTopic] = useState('');
	const [priv, setPriv] = useState(true);
	const [readOnly, setReadOnly] = useState(false);
	const e2eOn = useSetting<unknown>('E2E_Enable', false) === true;
	const [encrypted, setEncrypted] = useState(useSetting<unknown>('E2E_Enabled_Default_PrivateRooms', false) === true);
	const [members, setMembers] = useState<string[]>([]);
	const [error, setError] = useState<string>();
	const [busy, setBusy] = useState(false);
	const canPublic = hasPermission(team ? 'create-team' : 'create-c');
	const canPrivate = hasPermission(team ? 'create-team' : 'create-p');
	const what = team ? 'team' : 'channel';
	async function submit(e: FormEvent) {
		e.preventDefault();
		if (!/^[\p{L}\p{N}_.-]+$/u.test(name)) {
			setError('Use letters, digits, dots, dashes and underscores, no spaces.');
			return;
		}
		setBusy(true);
		setError(undefined);
		try {
			let path: string;
			if (team) {
				const a = (await connection.rest.post('/v1/teams.create', { name, type: priv ? 1 : 0, members, room: { readOnly }, ...(topic ? { room: { readOnly, extraData: { topic } } } : {}) } as never)) as unknown as { team: { roomId: string } };
				path = priv ? `/group/${encodeURIComponent(name)}` : `/channel/${encodeURIComponent(name)}`;
				void a;
			} else {
				const encrypt = priv && e2eOn && encrypted;
				const extraData = topic || encrypt ? { ...(topic ? { topic } : {}), ...(encrypt ? { broadcast: false, encrypted: true } : {}) } : undefined;
				await connection.rest.post(priv ? '/v1/groups.create' : '/v1/channels.create', { name, members, readOnly, extraData } as never);
				path = `/${priv ? 'group' : 'channel'}/${encodeURIComponent(name)}`;
			}
			toast(`${team ? 'Team' : priv ? 'Private channel' : 'Channel'} ${name} created`, 'success');
			onClose();
			navigate(path);
		} catch (err) {
			setError(errorMessage(err));
			setBusy(false);
		}
	}
	return (
		<Dialog
			title={`Create ${what}`}
			onClose={onClose}
			onSubmit={submit}
			footer={
				<>
					<Button type="button" onClick={onClose}>
						Cancel
					</Button>
					<Button type="submit" primary loading={busy} disabled={!name}>
						Create
					</Button>
				</>
			}
		>
			<Field marginBlockEnd="x16">
				<FieldLabel htmlFor="create-name">Name</FieldLabel>
				<FieldRow>
					<TextInput id="create-name" value={name} onChange={(e) => setName((e.target as HTMLInputElement).value)} placeholder={team ? 'product-team' : 'project-x'} />
				</FieldRow>
			</Field>
			<Field marginBlockEnd="x16">
				<FieldLabel htmlFor="create-topic">Topic (optional)</FieldLabel>
				<FieldRow>
					<TextInput id="create-topic" value={topic} onChange={(e) => setTopic((e.target as HTMLInputElement).value)} />
				</FieldRow>
			</Field>
			<Field marginBlockEnd="x16">
				<FieldLabel>Members</FieldLabel>
				<UserPicker value={members} onChange={setMembers} label="Add people" />
			</Field>
			<Field marginBlockEnd="x16">
				<FieldRow>
					<FieldLabel htmlFor="create-private">Private</FieldLabel>
					<ToggleSwitch id="create-private" checked={priv} disabled={!canPublic || !canPrivate} onChange={() => setPriv((p) => !p)} />
				</FieldRow>
				<FieldHint>{priv ? `Only invited people can see and join the ${what}.` : `Everyone can find and join the ${what}.`}</FieldHint>
			</Field>
			<Field marginBlockEnd="x16">
				<FieldRow>
					<FieldLabel htmlFor="create-ro">Read only</FieldLabel>
					<ToggleSwitch id="create-ro" checked={readOnly} onChange={() => setReadOnly((r) => !r)} />
				</FieldRow>
				<FieldHint>Only owners and those allowed can post.</FieldHint>
			</Field>
			{!team && e2eOn && (
				<Field marginBlockEnd="x16">
					<FieldRow>
						<FieldLabel htmlFor="create-encrypted">Encrypted</FieldLabel>
						<ToggleSwitch id="create-encrypted" checked={priv && encrypted} disabled={!priv} onChange={() => setEncrypted((x) => !x)} />
					</FieldRow>
					<FieldHint>{priv ? 'End-to-end encrypted: only members can read the messages, not the server.' : 'Only private channels can be encrypted.'}</FieldHint>
				</Field>
			)}
			{error && (
				<Callout type="danger" role="alert">
					{error}
				</Callout>
			)}
		</Dialog>
	);
}

function CreateDirect({ onClose }: { onClose: () => void }) {
	const [users, setUsers] = useState<string[]>([]);
	const e2eOn = useSetting<unknown>('E2E_Enable', false) === true;
	const [encrypted, setEncrypted] = useState(useSetting<unknown>('E2E_Enabled_Default_DirectRooms', false) === true);
	const [error, setError] = useState<string>();
	const [busy, setBusy] = useState(false);
	async function submit(e: FormEvent) {
		e.preventDefault();
		if (users.length === 0) return;
		setBusy(true);
		try {
			const body = users.length === 1 ? { username: users[0] } : { usernames: users.join(',') };
			const a = (await connection.rest.post('/v1/im.create', body as never)) as unknown as { room: { rid?: string; _id: string; encrypted?: boolean } };
			// im.create takes no encryption flag in Rocket.Chat: the room setting turns it on.
			if (e2eOn && encrypted && a.room.encrypted !== true) await connection.call('saveRoomSettings', a.room.rid ?? a.room._id, 'encrypted', true);
			onClose();
			navigate(`/direct/${a.room.rid ?? a.room._id}`);
		} catch (err) {
			setError(errorMessage(err));
			setBusy(false);
		}
	}
	return (
		<Dialog
			title="Direct message"
			onClose={onClose}
			onSubmit={submit}
			footer={
				<>
					<Button type="button" onClick={onClose}>
						Cancel
					</Button>
					<Button type="submit" primary loading={busy} disabled={users.length === 0}>
						Open conversation
					</Button>
				</>
			}
		>
			<p className="lo-muted">Talk privately with one person, or with up to eight people at once.</p>
			<UserPicker value={users} onChange={setUsers} label="Find people by name or username" max={8} />
			{e2eOn && (
				<Field marginBlock="x16">
					<FieldRow>
						<FieldLabel htmlFor="create-dm-encrypted">Encrypted</FieldLabel>
						<ToggleSwitch id="create-dm-encrypted" checked={encrypted} onChange={() => setEncrypted((x) => !x)} />
					</FieldRow>
					<FieldHint>End-to-end encrypted: only you and the people in the conversation can read it.</FieldHint>
				</Field>
			)}
			{error && (
				<Callout type="danger" role="alert">
					{error}
				</Callout>
			)}
		</Dialog>
	);
}

function CreateDiscussion({ parentRid, onClose }: { parentRid?: string; onClose: () => void }) {
	const subs = [...roomsStore.get().subs.values()].filter((s) => !s.prid);
	const [prid, setPrid] = useState(parentRid ?? '');
	const [name, setName] = useState('');
	const [reply, setReply] = useState('');
	const [users, setUsers] = useState<string[]>([]);
	const [error, setError] = useState<string>();
	const [busy, setBusy] = useState(false);
	async function submit(e: FormEvent) {
		e.preventDefault();
		if (!prid || !name.trim()) {
			setError('Choose the parent room and give the discussion a name.');
			return;
		}
		setBusy(true);
		try {
			const a = (await connection.rest.post('/v1/rooms.createDiscussion', { prid, t_name: name.trim(), users, ...(reply.trim() ? { reply: reply.trim() } : {}) } as never)) as unknown as { discussion: { _id: string; rid?: string; name: string; t: string } };
			const d = a.discussion;
			onClose();
			navigate(roomPath({ t: d.t, name: d.name, rid: d.rid ?? d._id }));
		} catch (err) {
			setError(errorMessage(err));
			setBusy(false);
		}
	}
	return (
		<Dialog
			title="Create discussion"
			onClose={onClose}
			onSubmit={submit}
			footer={
				<>
					<Button type="button" onClick={onClose}>
						Cancel
					</Button>
					<Button type="submit" primary loading={busy}>
						Create
					</Button>
				</>
			}
		>
			<p className="lo-muted">A discussion is a room of its own, attached to a parent room, to keep a topic together.</p>
			<Field marginBlockEnd="x16">
				<FieldLabel>Parent channel or group</FieldLabel>
				<FieldRow>
					<Select aria-label="Parent channel or group" value={prid} onChange={(v) => setPrid(String(v))} placeholder="Choose a room" options={subs.map((s) => [s.rid, displayName(s)] as [string, string])} />
				</FieldRow>
			</Field>
			<Field marginBlockEnd="x16">
				<FieldLabel htmlFor="disc-name">Name</FieldLabel>
				<FieldRow>
					<TextInput id="disc-name" value={name} onChange={(e) => setName((e.target as HTMLInputElement).value)} />
				</FieldRow>
			</Field>
			<Field marginBlockEnd="x16">
				<FieldLabel>Members</FieldLabel>
				<UserPicker value={users} onChange={setUsers} label="Invite people" />
			</Field>
			<Field marginBlockEnd="x16">
				<FieldLabel htmlFor="disc-reply">First message (optional)</FieldLabel>
				<FieldRow>
					<TextAreaInput id="disc-reply" rows={3} value={reply} onChange={(e) => setReply((e.target as HTMLTextAreaElement).value)} />
				</FieldRow>
			</Field>
			{error && (
				<Callout type="danger" role="alert">
					{error}
				</Callout>
			)}
		</Dialog>
	);
}
