import { useSyncExternalStore } from 'react';

// A minimal external store: the client's live state (session, rooms,
// messages) changes from stream events outside React; components read it
// through useStore with a selector and re-render only when the selected
// value changes (by Object.is).

export type Store<T> = {
	get(): T;
	set(next: T | ((prev: T) => T)): void;
	subscribe(listener: () => void): () => void;
};

export function createStore<T>(initial: T): Store<T> {
	let state = initial;
	const listeners = new Set<() => void>();
	return {
		get: () => state,
		set(next) {
			const value = typeof next === 'function' ? (next as (prev: T) => T)(state) : next;
			if (Object.is(value, state)) return;
			state = value;
			for (const l of [...listeners]) l();
		},
		subscribe(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
	};
}

export function useStore<T, S>(store: Store<T>, selector: (state: T) => S): S {
	return useSyncExternalStore(
		store.subscribe,
		() => selector(store.get()),
		() => selector(store.get()),
	);
}
