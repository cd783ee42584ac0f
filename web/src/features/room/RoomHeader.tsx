import { IconButton } from '@rocket.chat/fuselage';

import type { Room, Subscription } from '../../chat/types';
import { displayName } from '../../chat/types';
import { navigate } from '../../lib/router';
import { connection, useMe } from '../../lib/session';
import { roomPanels } from '../../plugins';
import { ActionMenu } from '../../ui/ActionMenu';
import { UserAvatar } from '../../ui/Avatar';
import { PresenceBullet } from '../../ui/Status';
import { toastError } from '../../ui/toast';
import { patchSubscription } from '../../chat/rooms';
import { RoomIcon } from '../sidebar/RoomIcon';
import { Markup } from '../../markup/Markup';
import { isEncryptedRoom } from '../../e2e/client';
import { E2ELock } from '../../e2e/ui';

/** MobileMenuButton: on a phone, goes back from a page to the room list. */
export function MobileMenuButton() {
	return <IconButton className="lo-mobile-only" icon="arrow-back" small title="Rooms" aria-label="Back to rooms" onClick={() => navigate('/home')} />;
}

type Props = { rid: string; room?: Room; sub?: Subscription; roomPath: string; tab?: string };

export function RoomHeader({ rid, room, sub, roomPath, tab }: Props) {
	const me = useMe();
	const name = displayName(sub ?? room);
	const t = sub?.t ?? room?.t ?? 'c';
	const otherId = t === 'd' ? room?.uids?.find((u) => u !== me._id) : undefined;
	const panels = roomPanels
		.all()
		.filter((p) => p.id !== 'thread' && (p.visible?.(room, sub) ?? true))
		.slice()
		.sort((a, b) => a.order - b.order);
	const inHeader = panels.filter((p) => p.inHeader);
	const inMenu = panels.filter((p) => !p.inHeader);
	const toggle = (id: string) => navigate(tab === id ? roomPath : `${roomPath}/${id}`);
	return (
		<header className="lo-room-header">
			<MobileMenuButton />
			<span className="lo-room-header-avatar">{t === 'd' ? <UserAvatar username={sub?.name ?? room?.name ?? ''} size="x28" /> : <RoomIcon sub={{ t, prid: room?.prid, teamMain: room?.teamMain, rid, name: name }} size="x20" />}</span>
			<div className="lo-room-header-text">
				<h1 className="lo-room-title">
					{name}
					{isEncryptedRoom(room) && <E2ELock size="x20" />}
					{otherId && <PresenceBullet uid={otherId} size="small" />}
					{sub && (
						<IconButton
							tiny
							icon={sub.f ? 'star-filled' : 'star'}
							className={sub.f ? 'lo-fav is-on' : 'lo-fav'}
							title={sub.f ? 'Remove from favorites' : 'Add to favorites'}
							aria-label={sub.f ? 'Remove from favorites' : 'Add to favorites'}
							aria-pressed={Boolean(sub.f)}
							onClick={() => {
								patchSubscription(rid, { f: !sub.f });
								connection.rest.postRaw('/v1/rooms.favorite', { roomId: rid, favorite: !sub.f }).catch((e: unknown) => {
									patchSubscription(rid, { f: sub.f });
									toastError(e);
								});
							}}
						/>
					)}
				</h1>
				{room?.topic && (
					<div className="lo-room-topic" title={room.topic}>
						<Markup text={room.topic} />
					</div>
				)}
			</div>
			<div className="lo-room-header-tools" role="toolbar" aria-label="Room tools">
				{inHeader.map((p) => (
					<IconButton key={p.id} small icon={p.icon as 'thread'} title={p.title} aria-label={p.title} pressed={tab === p.id} onClick={() => toggle(p.id)} />
				))}
				{inMenu.length > 0 && <ActionMenu title="More room tools" small items={inMenu.map((p) => ({ id: p.id, label: p.title, icon: p.icon }))} onAction={toggle} />}
			</div>
		</header>
	);
}
