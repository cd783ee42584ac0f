import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { TestProject } from 'vitest/node';

// Before the browser tests: the liftoff binary (built here from the
// repository, with the web client embedded, unless LIFTOFF_BIN names one)
// and the browser (CHROMIUM_PATH, default Debian's /usr/bin/chromium, which
// scripts/peers.sh chromium installs).

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');

export default function setup(project: TestProject) {
	let bin = process.env.LIFTOFF_BIN;
	if (!bin) {
		if (!existsSync(join(repo, 'webui', 'dist', 'index.html'))) {
			throw new Error('the web client is not built: run `npm run build` (or scripts/web.sh build) first');
		}
		const out = join(here, '.artifacts');
		mkdirSync(out, { recursive: true });
		bin = join(out, 'liftoff');
		execFileSync('go', ['build', '-o', bin, './cmd/liftoff'], { cwd: repo, stdio: 'inherit' });
	}
	const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
	if (!existsSync(chromium)) throw new Error(`no browser at ${chromium}: run scripts/peers.sh chromium (installs Debian's chromium)`);
	project.provide('liftoffBin', bin);
	project.provide('chromiumPath', chromium);
}

declare module 'vitest' {
	export interface ProvidedContext {
		liftoffBin: string;
		chromiumPath: string;
	}
}
