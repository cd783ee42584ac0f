import { Icon } from '@rocket.chat/fuselage';
import { useEffect, useMemo, useRef, useState } from 'react';

import { displayName, roomPath } from '../../chat/types';
import { navigate } from '../../lib/router';
import { orderedRooms } from '../sidebar/Sidebar';
import { RoomIcon } from '../sidebar/RoomIcon';

/** RoomSwitcher (Ctrl+K): type a few letters of a room, Enter opens it. */
export function RoomSwitcher({ onClose }: { onClose: () => void }) {
	const [q, setQ] = useState('');
	const [active, setActive] = useState(0);
	const input = useRef<HTMLInputElement>(null);
	useEffect(() => input.current?.focus(), []);
	const results = useMemo(() => {
		const needle = q.trim().toLowerCase();
		return orderedRooms()
			.filter((s) => !needle || displayName(s).toLowerCase().includes(needle) || s.name.toLowerCase().includes(needle))
			.slice(0, 12);
	}, [q]);
	function open(i: number) {
		const s = results[i];
		if (!s) return;
		navigate(roomPath(s));
		onClose();
	}
	return (
		<div className="lo-overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
			<div className="lo-switcher" role="dialog" aria-modal="true" aria-label="Jump to a room">
				<div className="lo-switcher-input">
					<Icon name="magnifier" size="x20" />
					<input
						ref={input}
						value={q}
						role="combobox"
						aria-expanded="true"
						aria-controls="lo-switcher-list"
						aria-activedescendant={results[active] ? `sw-${results[active].rid}` : undefined}
						placeholder="Jump to a room…"
						onChange={(e) => {
							setQ(e.target.value);
							setActive(0);
						}}
						onKeyDown={(e) => {
							if (e.key === 'Escape') onClose();
							else if (e.key === 'ArrowDown') {
								e.preventDefault();
								setActive((a) => Math.min(a + 1, results.length - 1));
							} else if (e.key === 'ArrowUp') {
								e.preventDefault();
								setActive((a) => Math.max(a - 1, 0));
							} else if (e.key === 'Enter') open(active);
						}}
					/>
				</div>
				<ul id="lo-switcher-list" role="listbox" className="lo-switcher-list">
					{results.map((s, i) => (
						<li key={s.rid} id={`sw-${s.rid}`} role="option" aria-selected={i === active} className={i === active ? 'is-active' : undefined} onMouseEnter={() => setActive(i)} onClick={() => open(i)}>
							<RoomIcon sub={s} />
							<span>{displayName(s)}</span>
						</li>
					))}
					{results.length === 0 && <li className="lo-muted">No room matches.</li>}
				</ul>
			</div>
		</div>
	);
}
