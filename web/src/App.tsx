import { PaletteStyleTag } from '@rocket.chat/fuselage';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEffect } from 'react';

import { AuthPages } from './features/auth/AuthPages';
import { Shell } from './features/shell/Shell';
import { navigate, useRoute } from './lib/router';
import { useSession } from './lib/session';
import { Splash } from './ui/Splash';
import { ToastHost } from './ui/toast';
import { useTheme } from './ui/theme';

export const queryClient = new QueryClient({
	defaultOptions: {
		queries: { retry: 1, staleTime: 30_000, refetchOnWindowFocus: false },
	},
});

export function App() {
	const theme = useTheme();
	useEffect(() => {
		document.documentElement.dataset.theme = theme;
		document.documentElement.style.colorScheme = theme;
	}, [theme]);
	return (
		<QueryClientProvider client={queryClient}>
			<PaletteStyleTag theme={theme} />
			<Root />
			<ToastHost />
		</QueryClientProvider>
	);
}

function Root() {
	const s = useSession();
	const route = useRoute();
	const authRoute = route.name === 'login' || route.name === 'register';
	useEffect(() => {
		if (s.phase === 'anonymous' && route.name === 'invite') {
			// An invitation: sign in or register right here, then come back
			// to redeem it (Rocket.Chat's /invite/<token>).
			sessionStorage.setItem('liftoff.after-login', window.location.pathname);
			return;
		}
		if (s.phase === 'anonymous' && !authRoute) {
			// Come back to the page asked for after signing in.
			sessionStorage.setItem('liftoff.after-login', window.location.pathname + window.location.search);
			navigate('/login', { replace: true });
		}
		if (s.phase === 'ready' && authRoute) {
			const after = sessionStorage.getItem('liftoff.after-login');
			sessionStorage.removeItem('liftoff.after-login');
			navigate(after && !after.startsWith('/login') && !after.startsWith('/register') ? after : '/home', { replace: true });
		}
	}, [s.phase, authRoute, route.name]);
	if (s.phase === 'booting') return <Splash />;
	if (s.phase === 'anonymous') return <AuthPages notice={s.notice} route={route} />;
	if (authRoute) return <Splash />;
	return <Shell />;
}
