import { messagesStore } from '../../chat/messages';
import { useStore } from '../../lib/store';

/** TypingIndicator: "alice is typing…", "alice and bob are typing…", "several people are typing…". */
export function TypingIndicator({ rid }: { rid: string }) {
	const typing = useStore(messagesStore, (all) => all.get(rid)?.typing ?? none);
	return (
		<div className="lo-typing" aria-live="polite" data-testid="typing">
			{typingText(typing)}
		</div>
	);
}

const none: string[] = [];

export function typingText(names: string[]): string {
	if (names.length === 0) return '';
	if (names.length === 1) return `${names[0]} is typing…`;
	if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
	if (names.length === 3) return `${names[0]}, ${names[1]} and ${names[2]} are typing…`;
	return 'Several people are typing…';
}
