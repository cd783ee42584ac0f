// Finding what the user is completing at the caret: "@ali" (a user), "#gen"
// (a channel), ":smi" (an emoji) or "/inv" (a slash command, only at the
// start of the message).

export type Trigger = { char: '@' | '#' | ':' | '/'; query: string; start: number };

export function findTrigger(text: string, caret: number): Trigger | undefined {
	const before = text.slice(0, caret);
	const slash = /^\/([\w-]*)$/.exec(before);
	if (slash) return { char: '/', query: slash[1] ?? '', start: 0 };
	const m = /(^|[\s(])([@#:])([\p{L}\p{N}_.+-]*)$/u.exec(before);
	if (!m) return undefined;
	const char = m[2] as '@' | '#' | ':';
	const query = m[3] ?? '';
	// ":" needs two letters, so "10:30" or a smiley ":)" does not open the list.
	if (char === ':' && query.length < 2) return undefined;
	return { char, query, start: caret - query.length - 1 };
}

/** applyCompletion replaces the trigger and query with the chosen text and returns the new text and caret. */
export function applyCompletion(text: string, caret: number, t: Trigger, replacement: string): { text: string; caret: number } {
	const next = `${text.slice(0, t.start)}${replacement} ${text.slice(caret).replace(/^ /, '')}`;
	return { text: next, caret: t.start + replacement.length + 1 };
}
