import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

// During development (`npm run dev`) Vite serves the app and forwards the API
// to a running Liftoff (LIFTOFF_URL, default http://127.0.0.1:3000), so the
// page and the API share one origin as they do when the binary serves the
// build.
const target = process.env.LIFTOFF_URL ?? 'http://127.0.0.1:3000';
const proxy = {
	'/api': { target, changeOrigin: false },
	'/avatar': { target, changeOrigin: false },
	'/file-upload': { target, changeOrigin: false },
	'/websocket': { target, ws: true, changeOrigin: false },
};

// Rocket.Chat's icon font is declared in five formats; every browser the
// client supports reads woff2, so the others (1.6 MB with their compressed
// copies) are left out of the build and the binary.
const woff2IconsOnly: Plugin = {
	name: 'liftoff-woff2-icons-only',
	enforce: 'pre',
	transform(code, id) {
		if (!id.endsWith('@rocket.chat/icons/dist/rocketchat.css')) return undefined;
		return code.replace(/@font-face\s*{[^}]*}/, (face) =>
			face
				.replace(/\s*src: url\('\.\/font\/rocketchat\.eot'\);/, '')
				.replace(/src:[^;]*;/, "src: url('./font/rocketchat.woff2') format('woff2');"),
		);
	},
};

export default defineConfig({
	plugins: [woff2IconsOnly, react()],
	build: {
		outDir: '../webui/dist',
		emptyOutDir: true,
		target: 'es2022',
		sourcemap: false,
		chunkSizeWarningLimit: 2000,
		assetsInlineLimit: 0,
	},
	server: { proxy },
	preview: { proxy },
	test: {
		environment: 'node',
		include: ['src/**/*.test.{ts,tsx}'],
		// RSA key generation and 100,000-round PBKDF2 (the end-to-end
		// encryption tests) take seconds on a loaded 2-core machine.
		testTimeout: 30_000,
	},
});
