import { Badge, IconButton, Skeleton, TextInput, Icon } from '@rocket.chat/fuselage';
import { memo, useMemo, useState } from 'react';

import { patchSubscription, roomsStore } from '../../chat/rooms';
import { displayName, roomPath } from '../../chat/types';
import { badgeFor, isUnread } from '../../chat/unread';
import { Link, navigate, useLocation } from '../../lib/router';
import { connection, hasPermission, useMe, logout } from '../../lib/session';
import { useStore } from '../../lib/store';
import { ActionMenu } from '../../ui/ActionMenu';
import { UserAvatar } from '../../ui/Avatar';
import { PresenceBullet, statusLabel } from '../../ui/Status';
import { setTheme, themeChoice } from '../../ui/theme';
import { toast, toastError } from '../../ui/toast';
import { CreateModal, type CreateKind } from '../create/CreateModals';
import { StatusModal } from '../account/StatusModal';
import { groupRooms, type SidebarEntry } from './groups';
import { setSidebarPrefs, sidebarPrefs } from './prefs';
import { DirectPresence, RoomIcon } from './RoomIcon';
import { isEncryptedRoom } from '../../e2e/client';
import { E2ELock } from '../../e2e/ui';

/** orderedRooms: the rooms in sidebar order, for Alt+↑/↓ and the room switcher. */
export function orderedRooms(): SidebarEntry[] {
	const st = roomsStore.get();
	return groupRooms(st.subs.values(), st.rooms, sidebarPrefs.get(), '').flatMap((g) => g.rooms);
}

export function Sidebar({ onOpenSwitcher }: { onOpenSwitcher: () => void }) {
	const me = useMe();
	const { loaded, error, subs, rooms } = useStore(roomsStore, (s) => s);
	const prefs = useStore(sidebarPrefs, (p) => p);
	const [filter, setFilter] = useState('');
	const [create, setCreate] = useState<CreateKind>();
	const [statusOpen, setStatusOpen] = useState(false);
	const groups = useMemo(() => groupRooms(subs.values(), rooms, prefs, filter), [subs, rooms, prefs, filter]);
	const isAdmin = hasPermission('view-statistics') || hasPermission('view-user-administration') || hasPermission('view-room-administration') || hasPermission('access-permissions') || hasPermission('view-privileged-setting');
	const theme = useStore(themeChoice, (t) => t);

	function userMenu(id: string) {
		switch (id) {
			case 'online':
			case 'away':
			case 'busy':
			case 'offline':
				connection.rest
					.postRaw('/v1/users.setStatus', { status: id, message: me.statusText ?? '' })
					.then(() => toast(`Status: ${statusLabel(id === 'offline' ? 'offline' : id)}`))
					.catch(toastError);
				break;
			case 'custom-status':
				setStatusOpen(true);
				break;
			case 'profile':
				navigate('/account/profile');
				break;
			case 'preferences':
				navigate('/account/preferences');
				break;
			case 'theme-light':
			case 'theme-dark':
			case 'theme-system':
				setTheme(id.slice(6) as 'light' | 'dark' | 'system');
				break;
			case 'logout':
				void logout();
				break;
			default:
		}
	}

	return (
		<div className="lo-sidebar-inner">
			<header className="lo-sidebar-header">
				<ActionMenu
					title="User menu"
					placement="bottom-start"
					button={
						<MeButton label={`User menu: ${me.username}, ${statusLabel(me.status)}`}>
							<UserAvatar username={me.username} size="x28" />
							<span className="lo-me-status">
								<PresenceBullet uid={me._id} size="small" />
							</span>
						</MeButton>
					}
					items={[
						{ id: 'online', label: 'Online', icon: 'circle', section: 'Status' },
						{ id: 'away', label: 'Away', icon: 'clock', section: 'Status' },
						{ id: 'busy', label: 'Busy', icon: 'ban', section: 'Status' },
						{ id: 'offline', label: 'Invisible', icon: 'eye-off', section: 'Status' },
						{ id: 'custom-status', label: 'Custom status…', icon: 'pencil', section: 'Status' },
						{ id: 'theme-light', label: `Light${theme === 'light' ? ' ✓' : ''}`, icon: 'sun', section: 'Theme' },
						{ id: 'theme-dark', label: `Dark${theme === 'dark' ? ' ✓' : ''}`, icon: 'moon', section: 'Theme' },
						{ id: 'theme-system', label: `Match system${theme === 'system' ? ' ✓' : ''}`, icon: 'desktop', section: 'Theme' },
						{ id: 'profile', label: 'Profile', icon: 'user', section: 'Account' },
						{ id: 'preferences', label: 'Preferences', icon: 'customize', section: 'Account' },
						{ id: 'logout', label: 'Log out', icon: 'sign-out', section: 'Account' },
					]}
					onAction={userMenu}
				/>
				<div className="lo-sidebar-actions">
					<IconButton small icon="home" title="Home" aria-label="Home" onClick={() => navigate('/home')} />
					<IconButton small icon="magnifier" title="Jump to a room (Ctrl+K)" aria-label="Jump to a room" onClick={onOpenSwitcher} />
					<IconButton small icon="notebook-hashtag" title="Directory" aria-label="Directory" onClick={() => navigate('/directory')} />
					<ActionMenu
						title="Create new"
						icon="pencil-box"
						small
						items={[
							{ id: 'd', label: 'Direct message', icon: 'balloon' },
							{ id: 'discussion', label: 'Discussion', icon: 'discussion' },
							{ id: 'c', label: 'Channel', icon: 'hashtag' },
							{ id: 'team', label: 'Team', icon: 'team' },
						]}
						onAction={(id) => setCreate(id as CreateKind)}
					/>
					<ActionMenu
						title="Display"
						icon="sort"
						small
						items={[
							{ id: 'activity', label: `Sort by activity${prefs.sortBy === 'activity' ? ' ✓' : ''}`, section: 'Sort' },
							{ id: 'alphabetical', label: `Sort by name${prefs.sortBy === 'alphabetical' ? ' ✓' : ''}`, section: 'Sort' },
							{ id: 'unread', label: `Unread on top${prefs.showUnread ? ' ✓' : ''}`, section: 'Group' },
							{ id: 'favorites', label: `Favorites${prefs.showFavorites ? ' ✓' : ''}`, section: 'Group' },
							{ id: 'types', label: `Group by type${prefs.groupByType ? ' ✓' : ''}`, section: 'Group' },
						]}
						onAction={(id) => {
							if (id === 'activity' || id === 'alphabetical') setSidebarPrefs({ sortBy: id });
							if (id === 'unread') setSidebarPrefs({ showUnread: !prefs.showUnread });
							if (id === 'favorites') setSidebarPrefs({ showFavorites: !prefs.showFavorites });
							if (id === 'types') setSidebarPrefs({ groupByType: !prefs.groupByType });
						}}
					/>
					{isAdmin && <IconButton small icon="cog" title="Administration" aria-label="Administration" onClick={() => navigate('/admin')} />}
				</div>
			</header>
			<div className="lo-sidebar-filter">
				<TextInput
					aria-label="Filter rooms"
					placeholder="Filter rooms"
					value={filter}
					onChange={(e) => setFilter((e.target as HTMLInputElement).value)}
					onKeyDown={(e) => {
						if (e.key === 'Escape') setFilter('');
						if (e.key === 'Enter' && groups[0]?.rooms[0]) {
							navigate(roomPath(groups[0].rooms[0]));
							setFilter('');
						}
					}}
					endAddon={<Icon name="magnifier" size="x16" />}
				/>
			</div>
			<nav className="lo-room-list" aria-label="Rooms">
				{!loaded && (
					<div aria-busy="true" aria-label="Loading rooms">
						{[1, 2, 3, 4].map((i) => (
							<Skeleton key={i} width="80%" marginInline="x16" marginBlock="x8" />
						))}
					</div>
				)}
				{error && (
					<p className="lo-sidebar-error" role="alert">
						Could not load your rooms: {error}
					</p>
				)}
				{loaded && groups.length === 0 && <p className="lo-muted lo-pad">{filter ? 'No room matches.' : 'You are in no room yet.'}</p>}
				{groups.map((g) => (
					<section key={g.id} aria-labelledby={`grp-${g.id}`}>
						<h2 id={`grp-${g.id}`} className="lo-group-title">
							{g.title}
						</h2>
						<ul role="list">
							{g.rooms.map((s) => (
								<RoomItem key={s.rid} sub={s} myId={me._id} />
							))}
						</ul>
					</section>
				))}
			</nav>
			{create && <CreateModal kind={create} onClose={() => setCreate(undefined)} />}
			{statusOpen && <StatusModal onClose={() => setStatusOpen(false)} />}
		</div>
	);
}

/** MeButton is the user menu's trigger; Fuselage's Menu clones it with its own props (icon, pressed, className). */
function MeButton({ label, children, icon: _icon, pressed, className: _className, ref, ...props }: { label: string; children: React.ReactNode; icon?: unknown; pressed?: boolean; className?: string; ref?: React.Ref<HTMLButtonElement> } & React.ButtonHTMLAttributes<HTMLButtonElement>) {
	return (
		<button {...props} ref={ref} type="button" className="lo-me" aria-label={label} data-open={pressed || undefined}>
			{children}
		</button>
	);
}

const RoomItem = memo(function RoomItem({ sub, myId }: { sub: SidebarEntry; myId: string }) {
	const path = roomPath(sub);
	const loc = useLocation();
	const selected = loc === path || loc.startsWith(`${path}/`);
	const badge = badgeFor(sub);
	const unread = isUnread(sub);
	const name = displayName(sub);
	const encrypted = useStore(roomsStore, (s) => isEncryptedRoom(s.rooms.get(sub.rid)));

	async function action(id: string) {
		try {
			switch (id) {
				case 'favorite':
					patchSubscription(sub.rid, { f: !sub.f });
					await connection.rest.postRaw('/v1/rooms.favorite', { roomId: sub.rid, favorite: !sub.f });
					break;
				case 'read':
					await connection.rest.post('/v1/subscriptions.read', { rid: sub.rid });
					break;
				case 'unread':
					await connection.rest.post('/v1/subscriptions.unread', { roomId: sub.rid } as never);
					break;
				case 'hide':
					await connection.call('hideRoom', sub.rid);
					if (selected) navigate('/home');
					break;
				case 'leave':
					if (!window.confirm(`Leave ${name}?`)) return;
					await connection.rest.postRaw('/v1/rooms.leave', { roomId: sub.rid });
					if (selected) navigate('/home');
					break;
				default:
			}
		} catch (err) {
			if (id === 'favorite') patchSubscription(sub.rid, { f: sub.f });
			toastError(err);
		}
	}

	return (
		<li className={`lo-room${selected ? ' is-selected' : ''}${unread ? ' is-unread' : ''}`}>
			<Link to={path} className="lo-room-link" aria-current={selected ? 'page' : undefined} aria-label={`${name}${badge ? `, ${badge.title}` : unread ? ', unread' : ''}`} data-rid={sub.rid}>
				<span className="lo-room-avatar">
					{sub.t === 'd' ? <UserAvatar username={sub.name} size="x20" /> : <RoomIcon sub={sub} />}
					{sub.t === 'd' && !sub.name.includes(',') && (
						<span className="lo-room-presence">
							<DirectPresence sub={sub} myId={myId} />
						</span>
					)}
				</span>
				<span className="lo-room-name">{name}</span>
				{encrypted && <E2ELock />}
				{badge && (
					<Badge variant={badge.variant} small title={badge.title} aria-hidden>
						{badge.count > 99 ? '99+' : badge.count}
					</Badge>
				)}
			</Link>
			<span className="lo-room-menu">
				<ActionMenu
					title={`Options for ${name}`}
					tiny
					items={[
						{ id: unread ? 'read' : 'unread', label: unread ? 'Mark as read' : 'Mark as unread', icon: 'flag' },
						{ id: 'favorite', label: sub.f ? 'Remove from favorites' : 'Add to favorites', icon: sub.f ? 'star-filled' : 'star' },
						{ id: 'hide', label: 'Hide', icon: 'eye-off' },
						...(sub.t !== 'd' ? [{ id: 'leave', label: 'Leave', icon: 'sign-out', danger: true }] : []),
					]}
					onAction={(id) => void action(id)}
				/>
			</span>
		</li>
	);
});
