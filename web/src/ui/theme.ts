import { createStore, useStore } from '../lib/store';

// Light, dark or the system's choice, kept in this browser (and sent to the
// server as the user's preference when it can store it).

export type ThemeChoice = 'light' | 'dark' | 'system';

const KEY = 'liftoff.theme';

function read(): ThemeChoice {
	const v = typeof localStorage === 'undefined' ? null : localStorage.getItem(KEY);
	return v === 'light' || v === 'dark' ? v : 'system';
}

export const themeChoice = createStore<ThemeChoice>(read());

const media = typeof window === 'undefined' ? undefined : window.matchMedia?.('(prefers-color-scheme: dark)');
export const systemDark = createStore<boolean>(Boolean(media?.matches));
media?.addEventListener('change', (e) => systemDark.set(e.matches));

export function setTheme(choice: ThemeChoice) {
	localStorage.setItem(KEY, choice);
	themeChoice.set(choice);
}

export function useTheme(): 'light' | 'dark' {
	const choice = useStore(themeChoice, (c) => c);
	const dark = useStore(systemDark, (d) => d);
	return choice === 'system' ? (dark ? 'dark' : 'light') : choice;
}

/** adoptServerTheme applies the user's themeAppearence preference when this browser has no choice of its own. */
export function adoptServerTheme(value: unknown) {
	if (localStorage.getItem(KEY)) return;
	if (value === 'light' || value === 'dark') themeChoice.set(value);
	if (value === 'auto') themeChoice.set('system');
}
