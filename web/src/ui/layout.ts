import breakpoints from '@rocket.chat/fuselage-tokens/dist/breakpoints.json';
import { useMediaQuery } from '@rocket.chat/fuselage-hooks';

// Phone width is below Fuselage's "md" breakpoint (768 px), the same
// boundary app.css uses for the one-column layout.
export const PHONE_QUERY = `(max-width: ${(breakpoints.md.minViewportWidth ?? 768) - 1}px)`;

export function useIsPhone(): boolean {
	return useMediaQuery(PHONE_QUERY);
}
