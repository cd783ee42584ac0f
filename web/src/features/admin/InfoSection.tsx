import { Callout, Skeleton } from '@rocket.chat/fuselage';
import { useQuery } from '@tanstack/react-query';

import { errorMessage } from '../../lib/api';
import { connection } from '../../lib/session';

type Stats = Record<string, unknown> & { os?: Record<string, unknown>; process?: Record<string, unknown> };

export function InfoSection() {
	const info = useQuery({ queryKey: ['api-info'], queryFn: async () => (await fetch('/api/info')).json() as Promise<{ version?: string }> });
	const stats = useQuery({ queryKey: ['statistics'], queryFn: () => connection.rest.getRaw<Stats>('/v1/statistics') });
	const s = stats.data;
	const n = (k: string) => (s && typeof s[k] === 'number' ? (s[k] as number).toLocaleString() : '–');
	return (
		<div className="lo-admin-info">
			<section className="lo-card-grid">
				<Card title="Server" rows={[['Version', info.data?.version ?? '–'], ['Uptime', s?.process?.uptime ? `${Math.round(Number(s.process.uptime) / 60)} min` : '–'], ['Runtime', String(s?.process?.nodeVersion ?? '–')], ['System', s?.os ? `${String(s.os.type)} ${String(s.os.arch)}, ${String(s.os.cpus)} CPUs` : '–']]} />
				<Card title="Users" rows={[['Total', n('totalUsers')], ['Active', n('activeUsers')], ['Online', n('onlineUsers')], ['Away', n('awayUsers')], ['Busy', n('busyUsers')], ['Offline', n('offlineUsers')]]} />
				<Card title="Rooms" rows={[['Total', n('totalRooms')], ['Channels', n('totalChannels')], ['Private groups', n('totalPrivateGroups')], ['Direct', n('totalDirect')]]} />
				<Card title="Messages" rows={[['Total', n('totalMessages')], ['In channels', n('totalChannelMessages')], ['In private groups', n('totalPrivateGroupMessages')], ['Direct', n('totalDirectMessages')]]} />
			</section>
			{stats.isLoading && <Skeleton />}
			{stats.error && <Callout type="danger">{errorMessage(stats.error)}</Callout>}
		</div>
	);
}

function Card({ title, rows }: { title: string; rows: [string, string][] }) {
	return (
		<section className="lo-card" aria-label={title}>
			<h3>{title}</h3>
			<dl className="lo-stat-list">
				{rows.map(([k, v]) => (
					<div key={k}>
						<dt>{k}</dt>
						<dd>{v}</dd>
					</div>
				))}
			</dl>
		</section>
	);
}
