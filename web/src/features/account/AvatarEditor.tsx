import { Button, ButtonGroup } from '@rocket.chat/fuselage';
import { useRef, useState } from 'react';

import { ApiError, errorMessage } from '../../lib/api';
import { connection, refreshMe, useMe, useSetting } from '../../lib/session';
import { toast } from '../../ui/toast';

// Changing one's avatar in the profile: upload a picture (users.setAvatar,
// multipart "image", as Rocket.Chat's client sends it) or go back to the
// initials (users.resetAvatar). The server squares and re-encodes the
// picture; the new avatarETag in /me makes every <img> fetch it again.

export async function uploadAvatar(file: File): Promise<void> {
	const c = connection.credentials;
	const form = new FormData();
	form.append('image', file, file.name || 'avatar');
	const res = await fetch('/api/v1/users.setAvatar', {
		method: 'POST',
		headers: c ? { 'X-User-Id': c.uid, 'X-Auth-Token': c.token } : {},
		body: form,
	});
	if (!res.ok) {
		let body: { error?: string; errorType?: string } = {};
		try {
			body = (await res.json()) as typeof body;
		} catch {
			// not JSON
		}
		throw new ApiError(body.error ?? `${res.status} ${res.statusText}`, res.status, body.errorType);
	}
}

export function AvatarEditor() {
	const me = useMe();
	const allowed = useSetting<unknown>('Accounts_AllowUserAvatarChange', true) !== false;
	const input = useRef<HTMLInputElement>(null);
	const [busy, setBusy] = useState(false);
	const [error, setError] = useState<string>();
	if (!allowed) return null;

	async function run(fn: () => Promise<unknown>, done: string) {
		setBusy(true);
		setError(undefined);
		try {
			await fn();
			await refreshMe();
			toast(done, 'success');
		} catch (err) {
			setError(errorMessage(err));
		} finally {
			setBusy(false);
		}
	}

	return (
		<div className="lo-avatar-editor">
			<ButtonGroup>
				<Button small disabled={busy} onClick={() => input.current?.click()}>
					Upload avatar
				</Button>
				{me.avatarETag && (
					<Button small disabled={busy} onClick={() => void run(() => connection.rest.postRaw('/v1/users.resetAvatar', {}), 'Avatar reset')}>
						Reset avatar
					</Button>
				)}
			</ButtonGroup>
			<input
				ref={input}
				type="file"
				accept="image/*"
				hidden
				data-testid="avatar-input"
				onChange={(e) => {
					const f = e.target.files?.[0];
					e.target.value = '';
					if (f) void run(() => uploadAvatar(f), 'Avatar changed');
				}}
			/>
			{error && (
				<p className="lo-error" role="alert">
					{error}
				</p>
			)}
		</div>
	);
}
