import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

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

export default defineConfig({
	plugins: [react()],
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
	},
});
