import {
	Icon,
	Message as FMessage,
	MessageBody,
	MessageContainer,
	MessageHeader,
	MessageLeftContainer,
	MessageMetrics,
	MessageMetricsItem,
	MessageMetricsItemIcon,
	MessageMetricsItemLabel,
	MessageMetricsReply,
	MessageName,
	MessageNameContainer,
	MessageReaction,
	MessageReactionAction,
	MessageReactionCounter,
	MessageReactionEmoji,
	MessageReactions,
	MessageSystem,
	MessageSystemBlock,
	MessageSystemBody,
	MessageSystemContainer,
	MessageSystemLeftContainer,
	MessageSystemName,
	MessageSystemTimestamp,
	MessageTimestamp,
	MessageToolbar,
	MessageToolbarItem,
	MessageToolbarWrapper,
	MessageUsername,
	MessageGenericPreview,
	MessageGenericPreviewContent,
	MessageGenericPreviewTitle,
	MessageGenericPreviewDescription,
	MessageGenericPreviewImage,
} from '@rocket.chat/fuselage';
import { memo, useState } from 'react';

import { isSystem } from '../../chat/rows';
import { systemText } from '../../chat/system';
import type { Attachment, Message, Subscription } from '../../chat/types';
import { formatDateTime, formatShortDate, formatTime } from '../../lib/dates';
import { navigate } from '../../lib/router';
import { hasPermission, useMe } from '../../lib/session';
import { Markup } from '../../markup/Markup';
import { unicodeOf } from '../../markup/emoji';
import { attachmentRenderers, messageActions } from '../../plugins';
import { ActionMenu } from '../../ui/ActionMenu';
import { UserAvatar } from '../../ui/Avatar';
import { toast, toastError } from '../../ui/toast';
import { deleteMessage, isOwn, permalink, react, requestComposer, retrySend, setPinned, setStarred } from './actions';
import { ReadIndicator, ReadReceiptsDialog, useReadReceipts } from '../receipts/ReadReceipts';
import { EmojiPicker } from './EmojiPicker';

// One message as Rocket.Chat's web app draws it (Fuselage's Message parts):
// avatar, name, time and body; sequential messages without the header;
// reactions, thread and discussion counters; a toolbar on hover or focus.

type Props = {
	message: Message;
	sequential: boolean;
	sub?: Subscription;
	roomPath: string;
	highlighted?: boolean;
	inThread?: boolean;
	composerKey: string;
};

export const MessageItem = memo(function MessageItem({ message: m, sequential, sub, roomPath, highlighted, inThread, composerKey }: Props) {
	const me = useMe();
	const [picker, setPicker] = useState(false);
	const [receipts, setReceipts] = useState(false);
	const readReceipts = useReadReceipts();
	const [revealed, setRevealed] = useState(false);
	if (isSystem(m)) return <SystemMessage m={m} />;
	// As Rocket.Chat's web app: a message of a user the reader ignores in
	// this room collapses to a placeholder, shown again on request.
	if (!revealed && m.u._id !== me._id && sub?.ignored?.includes(m.u._id)) {
		return (
			<FMessage className="lo-ignored" data-qa-id="message-ignored">
				<MessageLeftContainer />
				<MessageContainer>
					<MessageBody>
						<button type="button" className="lo-ignored-button" onClick={() => setRevealed(true)} title="Show the message">
							<Icon name="eye-off" size="x16" /> Message ignored
						</button>
					</MessageBody>
				</MessageContainer>
			</FMessage>
		);
	}
	const name = m.alias || m.u.name || m.u.username;
	const edited = m.editedAt && m.editedBy;
	const own = isOwn(m);
	const roomRoles = sub?.roles ?? [];
	const canEdit = own || hasPermission('edit-message', roomRoles);
	// The server has the last word (time limits, settings); the menu offers what may work.
	const canDelete = own || hasPermission('delete-message', roomRoles);
	const canPin = hasPermission('pin-message', roomRoles);
	const starred = m.starred?.some((s) => s._id === me._id) ?? false;

	async function run(id: string) {
		try {
			switch (id) {
				case 'thread':
					navigate(`${roomPath}/thread/${m.tmid ?? m._id}`);
					break;
				case 'react':
					setPicker(true);
					break;
				case 'edit':
					requestComposer(composerKey, { kind: 'edit', message: m });
					break;
				case 'quote':
					requestComposer(composerKey, { kind: 'quote', message: m });
					break;
				case 'copy':
					await navigator.clipboard.writeText(permalink(m));
					toast('Link copied');
					break;
				case 'copy-text':
					await navigator.clipboard.writeText(m.msg);
					toast('Text copied');
					break;
				case 'pin':
					await setPinned(m, !m.pinned);
					toast(m.pinned ? 'Message unpinned' : 'Message pinned');
					break;
				case 'star':
					await setStarred(m, !starred);
					toast(starred ? 'Star removed' : 'Message starred');
					break;
				case 'read-receipts':
					setReceipts(true);
					break;
				case 'delete':
					if (!window.confirm('Delete this message? This cannot be undone.')) return;
					await deleteMessage(m);
					break;
				default: {
					const extra = messageActions.all().find((a) => a.id === id);
					await extra?.run(m);
				}
			}
		} catch (err) {
			toastError(err);
		}
	}

	const menu = [
		{ id: 'quote', label: 'Quote', icon: 'quote' },
		{ id: 'copy', label: 'Copy link', icon: 'permalink' },
		{ id: 'copy-text', label: 'Copy text', icon: 'copy' },
		...(canPin ? [{ id: 'pin', label: m.pinned ? 'Unpin' : 'Pin', icon: 'pin' }] : []),
		{ id: 'star', label: starred ? 'Remove star' : 'Star', icon: 'star' },
		...(readReceipts.list ? [{ id: 'read-receipts', label: 'Read receipts', icon: 'info-circled' }] : []),
		...messageActions
			.all()
			.filter((a) => a.visible(m, { myId: me._id, sub }))
			.map((a) => ({ id: a.id, label: a.label, icon: a.icon })),
		...(canEdit ? [{ id: 'edit', label: 'Edit', icon: 'pencil' }] : []),
		...(canDelete ? [{ id: 'delete', label: 'Delete', icon: 'trash', danger: true }] : []),
	];

	return (
		<FMessage
			sequential={sequential}
			isPending={m.pending}
			highlight={highlighted}
			className={`lo-message${m.failed ? ' is-failed' : ''}`}
			aria-label={`${name}, ${formatTime(m.ts)}`}
			role="article"
			tabIndex={-1}
			data-mid={m._id}
			data-testid="message"
			onKeyDown={(e) => {
				if (e.key === 'Escape') setPicker(false);
			}}
		>
			<MessageLeftContainer>
				{sequential ? (
					<MessageTimestamp className="lo-seq-time" title={formatDateTime(m.ts)}>
						{formatTime(m.ts)}
					</MessageTimestamp>
				) : (
					<UserAvatar username={m.u.username} size="x36" />
				)}
			</MessageLeftContainer>
			<MessageContainer>
				{!sequential && (
					<MessageHeader>
						<MessageNameContainer>
							<MessageName title={`@${m.u.username}`}>{name}</MessageName>{' '}
							{m.u.name && m.u.name !== m.u.username && <MessageUsername>@{m.u.username}</MessageUsername>}
						</MessageNameContainer>
						<MessageTimestamp title={formatDateTime(m.ts)}>{formatTime(m.ts)}</MessageTimestamp>
						{edited && <Icon name="pencil" size="x16" title={`Edited by ${m.editedBy?.username} at ${formatDateTime(m.editedAt ?? 0)}`} aria-label="edited" className="lo-edited" />}
						{m.pinned && <Icon name="pin" size="x16" title="Pinned" aria-label="pinned" />}
						{starred && <Icon name="star-filled" size="x16" title="Starred" aria-label="starred" />}
						{own && readReceipts.indicator && !m.pending && !m.failed && <ReadIndicator m={m} />}
					</MessageHeader>
				)}
				{m.tmid && !inThread && <ThreadOrigin m={m} roomPath={roomPath} />}
				<MessageBody data-testid="message-body">
					{m.t === 'e2e' && m.e2e !== 'done' && !m.pending ? (
						<span className="lo-e2e-pending lo-muted" data-testid="e2e-undecrypted">
							<Icon name="lock" size="x16" /> Encrypted message: it shows here once this room&apos;s key is available.
						</span>
					) : m.t === 'discussion-created' ? (
						<span>
							<Icon name="discussion" size="x16" /> Started a discussion: <strong>{m.msg}</strong>
						</span>
					) : (
						<Markup text={m.msg} context={{ me: me.username }} />
					)}
					{sequential && edited && <Icon name="pencil" size="x16" title="Edited" aria-label="edited" className="lo-edited" />}
					{sequential && own && readReceipts.indicator && !m.pending && !m.failed && <ReadIndicator m={m} />}
				</MessageBody>
				{m.attachments?.map((a, i) => <AttachmentView key={i} attachment={a} message={m} />)}
				{m.urls?.filter((u) => u.meta && (u.meta.ogTitle || u.meta.pageTitle)).map((u) => <UrlPreview key={u.url} url={u} />)}
				{m.failed && (
					<div className="lo-failed" role="alert">
						Not sent: {m.failed}{' '}
						<button type="button" className="lo-link-button" onClick={() => void retrySend(m).catch(toastError)}>
							Retry
						</button>
					</div>
				)}
				{m.reactions && Object.keys(m.reactions).length > 0 && (
					<MessageReactions>
						{Object.entries(m.reactions).map(([emoji, r]) => {
							const mine = r.usernames.includes(me.username);
							const code = emoji.replace(/^:|:$/g, '');
							return (
								<MessageReaction
									key={emoji}
									mine={mine}
									role="button"
									tabIndex={0}
									aria-pressed={mine}
									title={`${r.usernames.join(', ')} reacted with ${emoji}`}
									aria-label={`${emoji} ${r.usernames.length}${mine ? ', including you' : ''}`}
									onClick={() => void react(m, emoji).catch(toastError)}
									onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && void react(m, emoji).catch(toastError)}
									data-testid="reaction"
								>
									<MessageReactionEmoji name={emoji} className="lo-reaction-emoji">
										{unicodeOf(code) ?? emoji}
									</MessageReactionEmoji>
									<MessageReactionCounter counter={r.usernames.length} />
								</MessageReaction>
							);
						})}
						<MessageReactionAction title="Add reaction" aria-label="Add reaction" role="button" tabIndex={0} onClick={() => setPicker(true)} />
					</MessageReactions>
				)}
				{!inThread && !m.tmid && (m.tcount ?? 0) > 0 && (
					<MessageMetrics>
						<MessageMetricsReply onClick={() => navigate(`${roomPath}/thread/${m._id}`)}>View thread</MessageMetricsReply>
						<MessageMetricsItem title="Replies">
							<MessageMetricsItemIcon name="thread" />
							<MessageMetricsItemLabel>
								{m.tcount} {m.tcount === 1 ? 'reply' : 'replies'}
							</MessageMetricsItemLabel>
						</MessageMetricsItem>
						{m.tlm && (
							<MessageMetricsItem title="Last reply">
								<MessageMetricsItemIcon name="clock" />
								<MessageMetricsItemLabel>{formatShortDate(m.tlm)}</MessageMetricsItemLabel>
							</MessageMetricsItem>
						)}
					</MessageMetrics>
				)}
				{m.drid && (
					<MessageMetrics>
						<MessageMetricsReply onClick={() => navigate(`/group/${m.drid}`)}>Open discussion</MessageMetricsReply>
						<MessageMetricsItem title="Messages">
							<MessageMetricsItemIcon name="discussion" />
							<MessageMetricsItemLabel>{m.dcount ?? 0} messages</MessageMetricsItemLabel>
						</MessageMetricsItem>
					</MessageMetrics>
				)}
			</MessageContainer>
			{!m.pending && !m.failed && (
				<MessageToolbarWrapper visible={picker ? true : undefined}>
					<MessageToolbar aria-label="Message actions">
						<MessageToolbarItem icon="add-reaction" title="Add reaction" aria-label="Add reaction" onClick={() => setPicker(true)} />
						{!inThread && <MessageToolbarItem icon="thread" title="Reply in thread" aria-label="Reply in thread" onClick={() => void run('thread')} />}
						{own && <MessageToolbarItem icon="pencil" title="Edit" aria-label="Edit" onClick={() => void run('edit')} />}
						<ActionMenu title="More actions" tiny items={menu} onAction={(id) => void run(id)} />
					</MessageToolbar>
				</MessageToolbarWrapper>
			)}
			{receipts && <ReadReceiptsDialog m={m} onClose={() => setReceipts(false)} />}
			{picker && (
				<div className="lo-reaction-picker">
					<EmojiPicker
						onClose={() => setPicker(false)}
						onPick={(code) => {
							setPicker(false);
							void react(m, `:${code}:`).catch(toastError);
						}}
					/>
				</div>
			)}
		</FMessage>
	);
});

function ThreadOrigin({ m, roomPath }: { m: Message; roomPath: string }) {
	return (
		<button type="button" className="lo-thread-origin" onClick={() => navigate(`${roomPath}/thread/${m.tmid}`)}>
			<Icon name="thread" size="x16" /> Replied in a thread
		</button>
	);
}

function SystemMessage({ m }: { m: Message }) {
	return (
		<MessageSystem title={formatDateTime(m.ts)} data-testid="system-message" data-mid={m._id}>
			<MessageSystemLeftContainer>
				<UserAvatar username={m.u.username} size="x18" />
			</MessageSystemLeftContainer>
			<MessageSystemContainer>
				<MessageSystemBlock>
					<MessageSystemName>{m.u.name || m.u.username}</MessageSystemName>
					<MessageSystemBody>{systemText(m).replace(new RegExp(`^${escapeRegExp(m.u.name || m.u.username)} `), '')}</MessageSystemBody>
					<MessageSystemTimestamp title={formatDateTime(m.ts)}>{formatTime(m.ts)}</MessageSystemTimestamp>
				</MessageSystemBlock>
				{m.attachments?.map((a, i) => <AttachmentView key={i} attachment={a} message={m} />)}
			</MessageSystemContainer>
		</MessageSystem>
	);
}

function escapeRegExp(s: string) {
	return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** AttachmentView draws an attachment with the first registered renderer that accepts it, else as a quote. */
export function AttachmentView({ attachment: a, message }: { attachment: Attachment; message: Message }) {
	const r = attachmentRenderers.all().find((x) => x.test(a, message));
	if (r) return <r.component attachment={a} message={message} />;
	return <QuoteAttachment a={a} />;
}

function QuoteAttachment({ a }: { a: Attachment }) {
	const text = a.text ?? a.description;
	return (
		<blockquote className="lo-attachment" style={a.color ? { borderInlineStartColor: a.color } : undefined}>
			{(a.author_name || a.title) && (
				<div className="lo-attachment-head">
					{a.author_icon && <img src={a.author_icon} alt="" className="lo-attachment-icon" />}
					{a.author_name && <strong>{a.author_name}</strong>}
					{a.ts ? <span className="lo-muted"> {formatDateTime(a.ts)}</span> : null}
					{a.title && (
						<div className="lo-attachment-title">
							{a.title_link ? (
								<a href={a.title_link} target="_blank" rel="noopener noreferrer nofollow">
									{a.title}
								</a>
							) : (
								a.title
							)}
						</div>
					)}
				</div>
			)}
			{text && <Markup text={text} />}
			{a.fields && (
				<dl className="lo-attachment-fields">
					{a.fields.map((f, i) => (
						<div key={i} className={f.short ? 'is-short' : undefined}>
							<dt>{f.title}</dt>
							<dd>{f.value}</dd>
						</div>
					))}
				</dl>
			)}
			{a.attachments?.map((x, i) => <QuoteAttachment key={i} a={x} />)}
		</blockquote>
	);
}

function UrlPreview({ url }: { url: NonNullable<Message['urls']>[number] }) {
	const meta = url.meta ?? {};
	const title = meta.ogTitle ?? meta.twitterTitle ?? meta.pageTitle;
	const description = meta.ogDescription ?? meta.twitterDescription ?? meta.description;
	const image = meta.ogImage ?? meta.twitterImage;
	return (
		<MessageGenericPreview>
			{image && /^https?:/.test(image) && <MessageGenericPreviewImage url={image} width={368} height={192} />}
			<MessageGenericPreviewContent>
				<MessageGenericPreviewTitle externalUrl={url.url}>{title}</MessageGenericPreviewTitle>
				{description && <MessageGenericPreviewDescription clamp>{description}</MessageGenericPreviewDescription>}
			</MessageGenericPreviewContent>
		</MessageGenericPreview>
	);
}
