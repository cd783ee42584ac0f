// Dates arrive as ISO strings over REST and as EJSON {$date: ms} over DDP.
// Everything in the client keeps them as epoch milliseconds, converted here.

export type WireDate = string | number | Date | { $date: number } | null | undefined;

export function toMillis(value: WireDate): number {
	if (value == null) return 0;
	if (typeof value === 'number') return value;
	if (typeof value === 'string') {
		const ms = Date.parse(value);
		return Number.isNaN(ms) ? 0 : ms;
	}
	if (value instanceof Date) return value.getTime();
	if (typeof value === 'object' && typeof value.$date === 'number') return value.$date;
	return 0;
}

export function sameDay(a: number, b: number): boolean {
	const x = new Date(a);
	const y = new Date(b);
	return x.getFullYear() === y.getFullYear() && x.getMonth() === y.getMonth() && x.getDate() === y.getDate();
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' });
const shortDayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

export function formatTime(ms: number): string {
	return timeFormat.format(ms);
}

export function formatDay(ms: number, now = Date.now()): string {
	if (sameDay(ms, now)) return 'Today';
	if (sameDay(ms, now - 86_400_000)) return 'Yesterday';
	return dayFormat.format(ms);
}

export function formatShortDate(ms: number, now = Date.now()): string {
	if (sameDay(ms, now)) return formatTime(ms);
	if (sameDay(ms, now - 86_400_000)) return 'Yesterday';
	return shortDayFormat.format(ms);
}

export function formatDateTime(ms: number): string {
	return new Date(ms).toLocaleString();
}
