import { beforeEach, describe, expect, test, vi } from 'vitest';

// The room store against a fake connection: history, live events, and the
// catch-up after a reconnection.

type Handler = (...args: unknown[]) => void;
const streams = new Map<string, Handler>();
const resumed: (() => void)[] = [];
const call = vi.fn();
const getRaw = vi.fn();

vi.mock('../lib/session', () => ({
	currentUser: () => ({ _id: 'me', username: 'me' }),
	connection: {
		call: (...a: unknown[]) => call(...a),
		rest: { getRaw: (...a: unknown[]) => getRaw(...a) },
		stream: (name: string, event: string, cb: Handler) => {
			streams.set(`${name}:${event}`, cb);
			return () => streams.delete(`${name}:${event}`);
		},
		onResumed: (fn: () => void) => {
			resumed.push(fn);
			return () => undefined;
		},
	},
}));

const { openRoom, roomMessages, catchUp } = await import('./messages');

const wire = (id: string, ms: number, updated = ms, msg = id) => ({ _id: id, rid: 'R1', msg, ts: { $date: ms }, _updatedAt: { $date: updated }, u: { _id: 'bob', username: 'bob' } });
const rest = (id: string, ms: number, updated = ms, msg = id) => ({ _id: id, rid: 'R1', msg, ts: new Date(ms).toISOString(), _updatedAt: new Date(updated).toISOString(), u: { _id: 'bob', username: 'bob' } });

describe('room messages', () => {
	beforeEach(() => {
		call.mockReset();
		getRaw.mockReset();
	});

	test('history, live events and a gap-free catch-up after reconnecting', async () => {
		call.mockResolvedValueOnce({ messages: [wire('b', 2000), wire('a', 1000)] });
		await openRoom('R1');
		expect(call).toHaveBeenCalledWith('loadHistory', 'R1', null, 50, null, false);
		expect(roomMessages('R1').messages.map((m) => m._id)).toEqual(['a', 'b']);

		// Live: a new message, then the same message again (a duplicate delivery), then an edit.
		const live = streams.get('room-messages:R1')!;
		live(wire('c', 3000));
		live(wire('c', 3000));
		live(wire('a', 1000, 3500, 'a edited'));
		expect(roomMessages('R1').messages.map((m) => `${m._id}:${m.msg}`)).toEqual(['a:a edited', 'b:b', 'c:c']);

		// A deletion event.
		streams.get('notify-room:R1/deleteMessage')!({ _id: 'b' });
		expect(roomMessages('R1').messages.map((m) => m._id)).toEqual(['a', 'c']);

		// Offline: d and e posted, c edited, a deleted. On reconnect the store
		// asks chat.syncMessages from its newest update.
		getRaw.mockResolvedValueOnce({ result: { updated: [rest('c', 3000, 5000, 'c edited'), rest('d', 4000), rest('e', 4500)], deleted: [{ _id: 'a' }] } });
		for (const fn of resumed) fn();
		await vi.waitFor(() => expect(roomMessages('R1').messages.map((m) => m._id)).toEqual(['c', 'd', 'e']));
		expect(getRaw).toHaveBeenCalledWith('/v1/chat.syncMessages', { roomId: 'R1', lastUpdate: new Date(3500).toISOString() });
		expect(roomMessages('R1').messages.find((m) => m._id === 'c')?.msg).toBe('c edited');

		// A second catch-up that overlaps adds nothing twice.
		getRaw.mockResolvedValueOnce({ result: { updated: [rest('e', 4500)], deleted: [] } });
		await catchUp('R1');
		expect(roomMessages('R1').messages.map((m) => m._id)).toEqual(['c', 'd', 'e']);
	});

	test('typing: shown while someone types, gone when they stop', async () => {
		call.mockResolvedValueOnce({ messages: [] });
		await openRoom('R2');
		const activity = streams.get('notify-room:R2/user-activity')!;
		activity('alice', ['user-typing'], {});
		expect(roomMessages('R2').typing).toEqual(['alice']);
		activity('me', ['user-typing'], {});
		expect(roomMessages('R2').typing).toEqual(['alice']);
		activity('alice', [], {});
		expect(roomMessages('R2').typing).toEqual([]);
	});

	test('a failed history load is an error the room shows, not a crash', async () => {
		call.mockRejectedValueOnce(new Error('boom'));
		await openRoom('R3');
		expect(roomMessages('R3').error).toBe('boom');
		expect(roomMessages('R3').loading).toBe(false);
	});
});
