import { defineConfig } from 'vitest/config';

// Browser end-to-end tests: Debian's chromium driven by playwright-core
// against the real liftoff binary (see e2e/harness.ts). One file at a time:
// each file starts its own server, and two cores are shared.
export default defineConfig({
	test: {
		// `npm run measure` runs the performance measurements instead (docs/performance.md).
		include: process.env.LIFTOFF_MEASURE ? ['e2e/measure.ts'] : ['e2e/**/*.e2e.ts'],
		testTimeout: process.env.LIFTOFF_MEASURE ? 600_000 : 60_000,
		environment: 'node',
		fileParallelism: false,
		hookTimeout: 120_000,
		globalSetup: ['e2e/global-setup.ts'],
		reporters: ['default'],
	},
});
