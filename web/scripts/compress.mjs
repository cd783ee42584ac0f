// Writes a Brotli (.br) and a gzip (.gz) copy beside every compressible file
// of the build, so the server sends them without compressing per request.
// Uses only Node's zlib.
import { readdir, readFile, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const root = process.argv[2];
if (!root) {
	console.error('usage: node scripts/compress.mjs DIR');
	process.exit(2);
}
const compressible = /\.(js|mjs|css|html|svg|json|txt|map|ttf|eot)$/;
let before = 0;
let after = 0;

async function walk(dir) {
	for (const entry of await readdir(dir, { withFileTypes: true })) {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) {
			await walk(path);
			continue;
		}
		if (!compressible.test(entry.name) || entry.name === 'index.html') continue;
		const data = await readFile(path);
		if (data.length < 1024) continue;
		const br = brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } });
		const gz = gzipSync(data, { level: 9 });
		await writeFile(`${path}.br`, br);
		await writeFile(`${path}.gz`, gz);
		before += data.length;
		after += gz.length;
	}
}

await walk(root);
await writeFile(join(root, '.gitkeep'), '');
const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
console.log(`compressed ${kib(before)} of assets to ${kib(after)} gzip (${(await stat(root)).isDirectory() ? root : ''})`);
