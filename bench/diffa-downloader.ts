/**
 * The model downloader alone in its own process, so `npm run bench:download` measures it under the same conditions
 * as the minimal Node reference (a fresh process each round, nothing else in its heap).
 * Usage: tsx bench/diffa-downloader.ts <url> <out> <size> <sha256> [connections] [follow|end]; prints
 * {"ms":…,"cpuMs":…,"peakRss":…}, timed from the request to the verified file renamed into place (start-up not
 * counted). With connections > 1 the file is fetched in byte ranges as a pull fetches a large file, its SHA-256
 * following the download (`follow`, the default) or computed once it is all on disk (`end`).
 */
import { request } from 'undici';
import { downloadFile } from '../src-main/models/download-file';
import { createDispatcher } from '../src-main/models/network';
import { downloadRanged } from '../src-main/models/ranged-download';

const [url, out, size, sha256, connectionsArg, hashing] = process.argv.slice(2) as [string, string, string, string, string?, string?];
const connections = Number(connectionsArg ?? 1);
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
const file = { url, path: out, partPath: `${out}.part`, size: Number(size), sha256 };
const options = { dispatcher, signal: new AbortController().signal };
if (connections > 1) await downloadRanged(file, { ...options, connections, hashAtEnd: hashing === 'end' });
else await downloadFile(file, options);
const ms = performance.now() - started;
const used = process.cpuUsage(cpu);
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage.rss());
await dispatcher.close();
console.log(JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000, peakRss }));
