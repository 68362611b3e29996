// Node module hooks for unit tests of the renderer's stores: a `.svelte.ts` / `.svelte.js` module (Svelte 5 runes) is
// compiled the way Vite compiles it for the page — TypeScript stripped by esbuild, then Svelte's compileModule — so
// Node's test runner can import a store and drive it with the dependencies the test passes in.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import { compileModule } from 'svelte/compiler';

export async function load(url, context, nextLoad) {
  if (!/\.svelte\.(ts|js)$/.test(new URL(url).pathname)) return nextLoad(url, context);
  const filename = fileURLToPath(url);
  const source = await readFile(filename, 'utf8');
  const js = filename.endsWith('.ts') ? (await transform(source, { loader: 'ts', format: 'esm', target: 'es2022', sourcefile: filename })).code : source;
  const compiled = compileModule(js, { filename, generate: 'client', dev: false });
  return { format: 'module', source: compiled.js.code, shortCircuit: true };
}
