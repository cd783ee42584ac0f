import { Button, Field, FieldLabel, FieldRow, Select, TextInput } from '@rocket.chat/fuselage';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { errorMessage } from '../../lib/api';
import { connection, patchMe, useMe } from '../../lib/session';
import { toast } from '../../ui/toast';
import { Dialog } from '../create/CreateModals';

/** StatusModal: choose a status and a status text (users.setStatus). */
export function StatusModal({ onClose }: { onClose: () => void }) {
	const me = useMe();
	const [status, setStatus] = useState<string>(me.statusDefault ?? me.status ?? 'online');
	const [text, setText] = useState(me.statusText ?? '');
	const [error, setError] = useState<string>();
	// Statuses the administrators defined (custom-user-status.list), offered as presets.
	const presets = useQuery({
		queryKey: ['custom-user-status'],
		queryFn: async () => (await connection.rest.getRaw<{ statuses: { _id: string; name: string; statusType: string }[] }>('/v1/custom-user-status.list', { count: 50 })).statuses,
		retry: false,
	});
	async function submit(e: FormEvent) {
		e.preventDefault();
		try {
			await connection.rest.postRaw('/v1/users.setStatus', { status, message: text } as never);
			patchMe({ statusText: text });
			toast('Status saved', 'success');
			onClose();
		} catch (err) {
			setError(errorMessage(err));
		}
	}
	return (
		<Dialog
			title="Set status"
			onClose={onClose}
			onSubmit={submit}
			footer={
				<>
					<Button type="button" onClick={onClose}>
						Cancel
					</Button>
					<Button type="submit" primary>
						Save
					</Button>
				</>
			}
		>
			<Field marginBlockEnd="x16">
				<FieldLabel>Status</FieldLabel>
				<FieldRow>
					<Select
						aria-label="Status"
						value={status}
						onChange={(v) => setStatus(String(v))}
						options={[
							['online', 'Online'],
							['away', 'Away'],
							['busy', 'Busy'],
							['offline', 'Invisible'],
						]}
					/>
				</FieldRow>
			</Field>
			<Field>
				<FieldLabel htmlFor="status-text">Status text</FieldLabel>
				<FieldRow>
					<TextInput id="status-text" maxLength={120} value={text} placeholder="What are you up to?" onChange={(e) => setText((e.target as HTMLInputElement).value)} />
				</FieldRow>
			</Field>
			{presets.data && presets.data.length > 0 && (
				<div className="lo-status-presets" role="group" aria-label="Preset statuses">
					{presets.data.map((p) => (
						<Button key={p._id} small onClick={() => (setStatus(p.statusType), setText(p.name))}>
							{p.name}
						</Button>
					))}
				</div>
			)}
			{error && <p className="lo-danger-text">{error}</p>}
		</Dialog>
	);
}
