import { Chip, TextInput } from '@rocket.chat/fuselage';
import { useEffect, useState } from 'react';

import { ApiError } from '../../lib/api';
import { connection, currentUser } from '../../lib/session';
import { UserAvatar } from '../../ui/Avatar';

type Found = { _id: string; username: string; name?: string };

let spotlightMissing = false;

/**
 * searchUsers finds people by name or username: spotlight (Rocket.Chat's
 * search for users and rooms), or users.autocomplete where spotlight is not
 * offered.
 */
export async function searchUsers(term: string, exceptions: string[] = []): Promise<Found[]> {
	if (!spotlightMissing) {
		try {
			const a = (await connection.rest.get('/v1/spotlight', { query: `@${term}` } as never)) as unknown as { users: Found[] };
			return a.users.filter((u) => !exceptions.includes(u.username));
		} catch (err) {
			if (!(err instanceof ApiError && err.isMissing)) throw err;
			spotlightMissing = true;
		}
	}
	const a = (await connection.rest.get('/v1/users.autocomplete', { selector: JSON.stringify({ term, exceptions }) } as never)) as unknown as { items: Found[] };
	return a.items;
}

/** UserPicker: type to find people, Enter or click adds them as chips. */
export function UserPicker({ value, onChange, label, max }: { value: string[]; onChange: (v: string[]) => void; label: string; max?: number }) {
	const [term, setTerm] = useState('');
	const [found, setFound] = useState<Found[]>([]);
	const [active, setActive] = useState(0);
	const [error, setError] = useState<string>();
	useEffect(() => {
		let live = true;
		const t = setTimeout(() => {
			if (!term.trim()) {
				setFound([]);
				return;
			}
			searchUsers(term.trim(), [...value, currentUser()?.username ?? ''])
				.then((list) => {
					if (live) {
						setFound(list.slice(0, 8));
						setError(undefined);
					}
				})
				.catch((err: unknown) => live && setError(err instanceof Error ? err.message : String(err)));
		}, 150);
		return () => {
			live = false;
			clearTimeout(t);
		};
	}, [term, value]);
	function add(u: Found) {
		if (max && value.length >= max) return;
		onChange([...value, u.username]);
		setTerm('');
		setFound([]);
	}
	const full = Boolean(max && value.length >= max);
	return (
		<div className="lo-user-picker">
			<div className="lo-chips">
				{value.map((u) => (
					<Chip key={u} onClick={() => onChange(value.filter((x) => x !== u))} aria-label={`Remove ${u}`}>
						<UserAvatar username={u} size="x20" /> {u}
					</Chip>
				))}
			</div>
			{!full && (
				<TextInput
					aria-label={label}
					placeholder={label}
					value={term}
					onChange={(e) => {
						setTerm((e.target as HTMLInputElement).value);
						setActive(0);
					}}
					onKeyDown={(e) => {
						if (e.key === 'ArrowDown') setActive((a) => Math.min(a + 1, found.length - 1));
						else if (e.key === 'ArrowUp') setActive((a) => Math.max(a - 1, 0));
						else if (e.key === 'Enter' && found[active]) {
							e.preventDefault();
							add(found[active]);
						}
					}}
				/>
			)}
			{error && <p className="lo-danger-text">{error}</p>}
			{found.length > 0 && (
				<ul className="lo-autocomplete lo-autocomplete--inline" role="listbox" aria-label="People found">
					{found.map((u, i) => (
						<li key={u._id} role="option" aria-selected={i === active} className={i === active ? 'is-active' : undefined} onMouseDown={(e) => (e.preventDefault(), add(u))}>
							<UserAvatar username={u.username} size="x20" />
							<span className="lo-ac-label">{u.name || u.username}</span>
							<span className="lo-ac-detail">@{u.username}</span>
						</li>
					))}
				</ul>
			)}
		</div>
	);
}
