/**
 * Loopback download throughput of the model downloader against curl, on the same file from the same local server in
 * the same run, plus the downloader's peak RSS (memory must stay flat whatever the file size).
 *
 *   npm run bench:download                 # 200 MB, 5 rounds
 *   BENCH_MB=2000 npm run bench:download   # the 2 GB flat-memory check
 *
 * The server runs in its own process; each round downloads once with curl and once with ours (alternating, so
 * page-cache and CPU-contention effects hit both alike); the median of the rounds is reported.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { downloadFile } from '../src-main/models/download-file';
import { createDispatcher } from '../src-main/models/network';
import { sha256File } from '../src-main/models/sha256';
import { median } from './stats';

const MB = 1_000_000;
const size = Number(process.env.BENCH_MB ?? 200) * MB;
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const curl = process.env.CURL ?? '/usr/bin/curl';
const dir = mkdtempSync(join(tmpdir(), 'diffa-bench-'));
const source = join(dir, 'weights.bin');

function writeRandomFile(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  const block = randomBytes(8 * MB);
  for (let written = 0; written < bytes; written += block.length) writeSync(fd, block, 0, Math.min(block.length, bytes - written));
  closeSync(fd);
}

async function startServer(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, '..', 'src-main/models/testing/hub-server-main.ts'), 'bench/model', `weights.bin=${source}`],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { url, stop: () => child.kill() };
}

function timeCommand(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${command} exited with ${code}`))));
  });
}

const timeCurl = (url: string, out: string) => timeCommand(curl, ['-sS', '-L', '-o', out, url]);
/** The fair reference for a verified download: curl, then sha256sum over the file it wrote. */
const timeCurlSha = (url: string, out: string) => timeCommand('sh', ['-c', `"${curl}" -sS -L -o "${out}" "${url}" && sha256sum "${out}"`]);

async function timeOurs(url: string, out: string, sha256: string): Promise<{ ms: number; peakRss: number }> {
  const dispatcher = createDispatcher({}, {});
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 20);
  const started = performance.now();
  await downloadFile({ url, path: out, partPath: `${out}.part`, size, sha256 }, { dispatcher, signal: new AbortController().signal });
  const ms = performance.now() - started;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  await dispatcher.close();
  return { ms, peakRss };
}

const mbps = (ms: number) => size / MB / (ms / 1000);

writeRandomFile(source, size);
const sha256 = await sha256File(source);
const server = await startServer();
const url = `${server.url}/bench/model/resolve/main/weights.bin`;
try {
  await timeCurl(url, join(dir, 'warm.bin')); // page cache warm for both
  rmSync(join(dir, 'warm.bin'));
  const rssBefore = process.memoryUsage.rss();
  const curlMs: number[] = [];
  const curlShaMs: number[] = [];
  const oursMs: number[] = [];
  let peakRss = 0;
  for (let round = 0; round < rounds; round++) {
    curlMs.push(await timeCurl(url, join(dir, 'curl.bin')));
    rmSync(join(dir, 'curl.bin'));
    curlShaMs.push(await timeCurlSha(url, join(dir, 'curl.bin')));
    rmSync(join(dir, 'curl.bin'));
    const ours = await timeOurs(url, join(dir, 'ours.bin'), sha256);
    oursMs.push(ours.ms);
    peakRss = Math.max(peakRss, ours.peakRss);
    if (statSync(join(dir, 'ours.bin')).size !== size) throw new Error('short download');
    rmSync(join(dir, 'ours.bin'));
  }
  const result = {
    fileMB: size / MB,
    rounds,
    curlMBps: Math.round(mbps(median(curlMs))),
    oursMBps: Math.round(mbps(median(oursMs))),
    curlSha256MBps: Math.round(mbps(median(curlShaMs))),
    ratio: Number((median(curlMs) / median(oursMs)).toFixed(3)),
    ratioVsCurlSha256: Number((median(curlShaMs) / median(oursMs)).toFixed(3)),
    rssBeforeMB: Math.round(rssBefore / MB),
    // Both sides compete for the same cores: a busy machine moves absolute numbers and ratios alike.
    loadAverage: Number((loadavg()[0] ?? 0).toFixed(1)),
    peakRssMB: Math.round(peakRss / MB),
    note: 'ours also hashes (SHA-256) every byte while downloading; curl does not',
  };
  console.log(`file ${result.fileMB} MB over loopback, median of ${rounds} rounds, load average ${result.loadAverage}`);
  console.log(`curl             ${result.curlMBps} MB/s`);
  console.log(`curl + sha256sum ${result.curlSha256MBps} MB/s`);
  console.log(`diffa (+sha256)  ${result.oursMBps} MB/s   ratio ${result.ratio} vs curl, ${result.ratioVsCurlSha256} vs curl + sha256sum`);
  console.log(`RSS              ${result.rssBeforeMB} MB before, ${result.peakRssMB} MB peak during the downloads`);
  console.log(JSON.stringify(result));
} finally {
  server.stop();
  rmSync(dir, { recursive: true, force: true });
}
