/**
 * The model downloader alone in its own process, so `npm run bench:download` measures it under the same conditions
 * as the minimal Node reference (a fresh process each round, nothing else in its heap).
 * Usage: tsx bench/diffa-downloader.ts <url> <out> <size> <sha256>; prints {"ms":…,"cpuMs":…,"peakRss":…}, timed
 * from the request to the verified file renamed into place (start-up not counted).
 */
import { request } from 'undici';
import { downloadFile } from '../src-main/models/download-file';
import { createDispatcher } from '../src-main/models/network';

const [url, out, size, sha256] = process.argv.slice(2) as [string, string, string, string];
const dispatcher = createDispatcher({}, {});
// A real pull asks the hub's API (revision, tree, manifest) before the first file, through the same agent: one such
// request here, untimed, so undici's one-time set-up (its HTTP parser is WebAssembly) is not counted as download.
await (await request(new URL('/api/models/bench/model/revision/main', url), { dispatcher })).body.dump();
let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 20);
const cpu = process.cpuUsage();
const started = performance.now();
await downloadFile({ url, path: out, partPath: `${out}.part`, size: Number(size), sha256 }, { dispatcher, signal: new AbortController().signal });
const ms = performance.now() - started;
const used = process.cpuUsage(cpu);
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage.rss());
await dispatcher.close();
console.log(JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000, peakRss }));
