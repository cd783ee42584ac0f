import { Box, Button, ButtonGroup, Callout, Icon } from '@rocket.chat/fuselage';
import { useState } from 'react';

import { navigate } from '../../lib/router';
import { useMe, useSetting } from '../../lib/session';
import { CreateModal } from '../create/CreateModals';
import { askNotificationPermission, notificationsSupported } from './notifications';
import { MobileMenuButton } from '../room/RoomHeader';

export function HomePage({ notFound }: { notFound?: string }) {
	const me = useMe();
	const site = useSetting('Site_Name', 'Liftoff');
	const [modal, setModal] = useState<'c' | 'd' | undefined>();
	const [perm, setPerm] = useState(notificationsSupported() ? Notification.permission : 'denied');
	return (
		<div className="lo-page">
			<header className="lo-page-header">
				<MobileMenuButton />
				<h1 className="lo-page-title">Home</h1>
			</header>
			<div className="lo-page-body lo-home">
				{notFound && (
					<Callout type="warning" marginBlockEnd="x16">
						There is no page at {notFound}.
					</Callout>
				)}
				<h2 className="lo-home-title">
					Welcome to {String(site)}, {me.name || me.username}
				</h2>
				<p className="lo-home-lead">Pick a room in the sidebar, or get started here.</p>
				<div className="lo-home-cards">
					<HomeCard icon="hashtag" title="Create a channel" text="A place for a team or a topic, public or private." action="Create channel" onClick={() => setModal('c')} />
					<HomeCard icon="notebook-hashtag" title="Browse the directory" text="Find channels, teams and people to talk to." action="Open directory" onClick={() => navigate('/directory')} />
					<HomeCard icon="message" title="Send a direct message" text="Talk to someone one to one, or to a few people." action="New message" onClick={() => setModal('d')} />
				</div>
				{perm === 'default' && (
					<Box className="lo-home-notify">
						<Icon name="bell" size="x20" /> Get desktop notifications for mentions and direct messages while this tab is in the background.{' '}
						<ButtonGroup>
							<Button small onClick={() => void askNotificationPermission().then((p) => setPerm(p === 'unsupported' ? 'denied' : p))}>
								Enable notifications
							</Button>
						</ButtonGroup>
					</Box>
				)}
				<p className="lo-home-keys">
					Keyboard: <kbd>Ctrl</kbd>+<kbd>K</kbd> jumps to a room, <kbd>Alt</kbd>+<kbd>↑</kbd>/<kbd>↓</kbd> moves between rooms, <kbd>Esc</kbd> closes a panel.
				</p>
			</div>
			{modal && <CreateModal kind={modal} onClose={() => setModal(undefined)} />}
		</div>
	);
}

function HomeCard({ icon, title, text, action, onClick }: { icon: string; title: string; text: string; action: string; onClick: () => void }) {
	return (
		<section className="lo-card">
			<Icon name={icon as 'hashtag'} size="x32" />
			<h3>{title}</h3>
			<p>{text}</p>
			<Button onClick={onClick}>{action}</Button>
		</section>
	);
}
