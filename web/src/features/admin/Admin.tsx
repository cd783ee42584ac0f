import { Callout, Icon } from '@rocket.chat/fuselage';

import { Link } from '../../lib/router';
import { hasPermission } from '../../lib/session';
import { adminSections } from '../../plugins';
import { MobileMenuButton } from '../room/RoomHeader';
import { InfoSection } from './InfoSection';
import { PermissionsSection } from './PermissionsSection';
import { RoomsSection } from './RoomsSection';
import { SettingsSection } from './SettingsSection';
import { UsersSection } from './UsersSection';
import { IntegrationsSection } from '../integrations/IntegrationsSection';

// Administration (loaded only when an administrator opens it). Each section
// is registered in adminSections, so later features (integrations, sign-in
// providers, files) add theirs the same way.

adminSections.add({ id: 'info', title: 'Workspace', icon: 'info-circled', order: 0, permission: 'view-statistics', component: InfoSection });
adminSections.add({ id: 'users', title: 'Users', icon: 'members', order: 10, permission: 'view-user-administration', component: UsersSection });
adminSections.add({ id: 'rooms', title: 'Rooms', icon: 'hashtag', order: 20, permission: 'view-room-administration', component: RoomsSection });
adminSections.add({ id: 'permissions', title: 'Permissions', icon: 'key', order: 30, permission: 'access-permissions', component: PermissionsSection });
adminSections.add({ id: 'integrations', title: 'Integrations', icon: 'code', order: 35, permission: ['manage-incoming-integrations', 'manage-own-incoming-integrations', 'manage-outgoing-integrations', 'manage-own-outgoing-integrations'], component: IntegrationsSection });
adminSections.add({ id: 'settings', title: 'Settings', icon: 'customize', order: 40, permission: 'view-privileged-setting', component: SettingsSection });

export default function Admin({ section }: { section: string; id?: string }) {
	const sections = adminSections
		.all()
		.filter((s) => !s.permission || (Array.isArray(s.permission) ? s.permission : [s.permission]).some((p) => hasPermission(p)))
		.slice()
		.sort((a, b) => a.order - b.order);
	const current = sections.find((s) => s.id === section) ?? sections[0];
	return (
		<div className="lo-page lo-admin">
			<header className="lo-page-header">
				<MobileMenuButton />
				<h1 className="lo-page-title">Administration</h1>
				<nav className="lo-tabs" aria-label="Administration sections">
					{sections.map((s) => (
						<Link key={s.id} to={`/admin/${s.id}`} aria-current={current?.id === s.id ? 'page' : undefined}>
							<Icon name={s.icon as 'key'} size="x16" /> {s.title}
						</Link>
					))}
				</nav>
			</header>
			<div className="lo-page-body">
				{current ? (
					<current.component />
				) : (
					<Callout type="warning" title="Not allowed">
						Your account has no administration rights.
					</Callout>
				)}
			</div>
		</div>
	);
}
