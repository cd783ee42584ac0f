import { Box, Button, Icon, Throbber } from '@rocket.chat/fuselage';
import { useQuery } from '@tanstack/react-query';

import type { Message } from '../../chat/types';
import { errorMessage } from '../../lib/api';
import { formatDateTime } from '../../lib/dates';
import { connection, useSetting } from '../../lib/session';
import { UserAvatar } from '../../ui/Avatar';
import { Dialog } from '../create/CreateModals';

// Read receipts as Rocket.Chat's web app shows them: a check beside one's
// own messages (grey while someone has not read it, coloured once everyone
// has) and a "Read receipts" item in the message menu listing who read it.

/** useReadReceipts tells which parts of read receipts the server has on. */
export function useReadReceipts(): { indicator: boolean; list: boolean } {
	const enabled = useSetting<unknown>('Message_Read_Receipt_Enabled', false) === true;
	const storeUsers = useSetting<unknown>('Message_Read_Receipt_Store_Users', false) === true;
	return { indicator: enabled, list: enabled && storeUsers };
}

/** ReadIndicator is the check of an own message. */
export function ReadIndicator({ m }: { m: Message }) {
	const unread = m.unread === true;
	return (
		<Icon
			name="check"
			size="x16"
			className={unread ? 'lo-receipt is-unread' : 'lo-receipt is-read'}
			title={unread ? 'Not read by everyone yet' : 'Read by everyone'}
			aria-label={unread ? 'not read by everyone yet' : 'read by everyone'}
			data-testid="read-receipt"
			data-read={unread ? 'false' : 'true'}
		/>
	);
}

type Receipt = { _id: string; userId: string; ts: string; user?: { _id: string; username: string; name?: string } };

/** ReadReceiptsDialog lists who read a message (chat.getMessageReadReceipts). */
export function ReadReceiptsDialog({ m, onClose }: { m: Message; onClose: () => void }) {
	const q = useQuery({
		queryKey: ['read-receipts', m._id, m.updatedAt],
		queryFn: async () => (await connection.rest.getRaw<{ receipts: Receipt[] }>('/v1/chat.getMessageReadReceipts', { messageId: m._id } as never)).receipts,
		retry: false,
	});
	return (
		<Dialog
			title="Read by"
			onClose={onClose}
			onSubmit={(e) => {
				e.preventDefault();
				onClose();
			}}
			footer={
				<Button type="submit" primary>
					Close
				</Button>
			}
		>
			{q.isPending ? (
				<Throbber />
			) : q.isError ? (
				<Box role="alert">{errorMessage(q.error)}</Box>
			) : q.data.length === 0 ? (
				<Box>No results found</Box>
			) : (
				<ul className="lo-receipts" role="list" aria-label="Read by">
					{q.data.map((r) => (
						<li key={r._id} className="lo-receipts-row" data-testid="read-receipt-row">
							<UserAvatar username={r.user?.username ?? r.userId} size="x28" />
							<span className="lo-receipts-name">{r.user?.name || r.user?.username || r.userId}</span>
							<span className="lo-muted">{formatDateTime(Date.parse(r.ts))}</span>
						</li>
					))}
				</ul>
			)}
		</Dialog>
	);
}
