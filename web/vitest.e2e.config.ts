import { defineConfig } from 'vitest/config';

// Browser end-to-end tests: Debian's chromium driven by playwright-core
// against the real liftoff binary (see e2e/harness.ts). One file at a time:
// each file starts its own server, and two cores are shared.
export default defineConfig({
	test: {
		include: ['e2e/**/*.e2e.ts'],
		environment: 'node',
		fileParallelism: false,
		testTimeout: 60_000,
		hookTimeout: 120_000,
		globalSetup: ['e2e/global-setup.ts'],
		reporters: ['default'],
	},
});
