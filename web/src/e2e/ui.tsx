import { Box, Button, Callout, Field, FieldHint, FieldLabel, FieldRow, Icon, PasswordInput } from '@rocket.chat/fuselage';
import { useState, type FormEvent } from 'react';

import { Dialog } from '../features/create/CreateModals';
import { errorMessage } from '../lib/api';
import { useStore } from '../lib/store';
import { toast } from '../ui/toast';
import { e2eState, passphraseSaved, roomKeyState, unlock } from './client';
import { WrongPassphraseError } from './crypto';

// End-to-end encryption in the interface: the banner that asks for the
// passphrase (or to save a new one), the two dialogs, and the lock shown on
// encrypted rooms.

export function E2EBanner() {
	const st = useStore(e2eState, (s) => s);
	const [open, setOpen] = useState<'save' | 'enter'>();
	let banner = null;
	if (st.status === 'locked') {
		banner = (
			<div className="lo-banner lo-banner--info" role="status" data-testid="e2e-banner">
				<Icon name="key" size="x16" /> Enter your encryption passphrase to read and write in encrypted rooms.
				<button type="button" className="lo-banner-action" onClick={() => setOpen('enter')}>
					Enter passphrase
				</button>
			</div>
		);
	} else if (st.status === 'ready' && st.newPassphrase) {
		banner = (
			<div className="lo-banner lo-banner--info" role="status" data-testid="e2e-banner">
				<Icon name="key" size="x16" /> Your encryption keys are set up. Save your passphrase: you need it to read encrypted rooms in another browser.
				<button type="button" className="lo-banner-action" onClick={() => setOpen('save')}>
					Save passphrase
				</button>
			</div>
		);
	} else if (st.status === 'error') {
		banner = (
			<div className="lo-banner lo-banner--warning" role="alert" data-testid="e2e-banner">
				<Icon name="warning" size="x16" /> End-to-end encryption could not start: {st.error}
			</div>
		);
	}
	return (
		<>
			{banner}
			{open === 'save' && st.newPassphrase && <SavePassphrase passphrase={st.newPassphrase} onClose={() => setOpen(undefined)} />}
			{open === 'enter' && <EnterPassphrase onClose={() => setOpen(undefined)} />}
		</>
	);
}

function SavePassphrase({ passphrase, onClose }: { passphrase: string; onClose: () => void }) {
	function done(e: FormEvent) {
		e.preventDefault();
		passphraseSaved();
		toast('End-to-end encryption is ready', 'success');
		onClose();
	}
	return (
		<Dialog
			title="Save your encryption passphrase"
			onClose={onClose}
			onSubmit={done}
			footer={
				<>
					<Button type="button" onClick={() => void navigator.clipboard?.writeText(passphrase).then(() => toast('Passphrase copied'))}>
						Copy
					</Button>
					<Button type="submit" primary>
						I saved it
					</Button>
				</>
			}
		>
			<p>
				This passphrase protects your encryption key on the server. You need it to read encrypted rooms on another browser or device. It is shown only
				this once: keep it somewhere safe, such as a password manager.
			</p>
			<Box is="code" className="lo-passphrase" data-testid="e2e-passphrase" marginBlock="x16">
				{passphrase}
			</Box>
			<p className="lo-muted">Nobody, not even the server&apos;s administrators, can recover it for you.</p>
		</Dialog>
	);
}

function EnterPassphrase({ onClose }: { onClose: () => void }) {
	const [value, setValue] = useState('');
	const [error, setError] = useState<string>();
	const [busy, setBusy] = useState(false);
	async function submit(e: FormEvent) {
		e.preventDefault();
		if (!value.trim()) return;
		setBusy(true);
		setError(undefined);
		try {
			await unlock(value);
			toast('End-to-end encryption is ready', 'success');
			onClose();
		} catch (err) {
			setError(err instanceof WrongPassphraseError ? 'That passphrase is not the right one.' : errorMessage(err));
			setBusy(false);
		}
	}
	return (
		<Dialog
			title="Enter your encryption passphrase"
			onClose={onClose}
			onSubmit={(e) => void submit(e)}
			footer={
				<>
					<Button type="button" onClick={onClose}>
						Cancel
					</Button>
					<Button type="submit" primary loading={busy} disabled={!value.trim()}>
						Unlock
					</Button>
				</>
			}
		>
			<Field marginBlockEnd="x16">
				<FieldLabel htmlFor="e2e-passphrase-input">Passphrase</FieldLabel>
				<FieldRow>
					<PasswordInput id="e2e-passphrase-input" autoComplete="off" value={value} onChange={(e) => setValue((e.target as HTMLInputElement).value)} />
				</FieldRow>
				<FieldHint>The passphrase shown when your encryption keys were set up, in this or another browser.</FieldHint>
			</Field>
			{error && (
				<Callout type="danger" role="alert">
					{error}
				</Callout>
			)}
		</Dialog>
	);
}

/** E2ELock: the lock before an encrypted room's name. */
export function E2ELock({ size = 'x16' }: { size?: 'x16' | 'x20' }) {
	return <Icon name="lock" size={size} className="lo-e2e-lock" title="End-to-end encrypted" aria-label="End-to-end encrypted" role="img" data-testid="e2e-lock" />;
}

/** RoomKeyNotice: under the header of an encrypted room whose key is not (yet) here. */
export function RoomKeyNotice({ rid }: { rid: string }) {
	const st = useStore(e2eState, (s) => s.status);
	const key = useStore(roomKeyState, (m) => m.get(rid));
	let text: string | undefined;
	if (st === 'off') text = 'This room is end-to-end encrypted, and encryption is turned off on this server: its messages cannot be read here.';
	else if (st === 'locked') text = 'This room is end-to-end encrypted. Enter your encryption passphrase (the banner above) to read it.';
	else if (st === 'ready' && key === 'waiting') text = "Waiting for this room's encryption key: a member who has it must be online.";
	else if (st === 'ready' && key === 'error') text = "This room's encryption key could not be opened with your keys.";
	if (!text) return null;
	return (
		<Callout type="warning" className="lo-e2e-notice" data-testid="e2e-room-notice">
			{text}
		</Callout>
	);
}
