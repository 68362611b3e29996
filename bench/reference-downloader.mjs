// The minimal Node downloader the model downloader is measured against (`npm run bench:download`): node:http, the
// SHA-256 updated with every chunk as it arrives, the body piped to a file. No resume, no retries, no checks.
// Usage: node bench/reference-downloader.mjs <url> <out>; prints {"ms":…,"sha256":…} (time from the request to the
// file closed, so process start-up is not counted).
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { get } from 'node:http';

const [url, out] = process.argv.slice(2);
const started = performance.now();
const fetchFollowing = (target, hops = 0) =>
  get(target, (response) => {
    if (response.statusCode >= 300 && response.statusCode < 400 && response.headers.location && hops < 5) {
      response.resume();
      fetchFollowing(new URL(response.headers.location, target).href, hops + 1);
      return;
    }
    if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`);
    const hash = createHash('sha256');
    response.on('data', (chunk) => hash.update(chunk));
    response.pipe(createWriteStream(out)).on('close', () => {
      const ms = performance.now() - started;
      const cpu = process.cpuUsage();
      console.log(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, sha256: hash.digest('hex') }));
    });
  });
fetchFollowing(url);
