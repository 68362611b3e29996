/**
 * Loopback download throughput of the model downloader against two references, on the same file from the same local
 * server in the same run: curl, and a minimal Node downloader (`reference-downloader.mjs`: node:http, SHA-256 while
 * streaming, written to disk), which shows what Node itself costs on this machine; plus CPU time per download and
 * the downloader's peak RSS (memory must stay flat whatever the file size).
 *
 *   npm run bench:download                 # 200 MB, 5 rounds
 *   BENCH_MB=2000 npm run bench:download   # the 2 GB flat-memory check
 *
 * The server and each download run in their own processes; each round downloads once with each (in turn, so page-cache and CPU-contention
 * effects hit all alike); the median of the rounds is reported. The Node reference and ours are timed from the
 * request to the file written (no process start-up in either).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
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

/** The minimal Node downloader in its own process: its own timing, its CPU time, and the hash it computed. */
function timeNodeReference(url: string, out: string): Promise<{ ms: number; cpuMs: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'reference-downloader.mjs'), url, out], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
    });
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(text)) : reject(new Error(`reference downloader exited with ${code}`))));
  });
}

const timeCurl = (url: string, out: string) => timeCommand(curl, ['-sS', '-L', '-o', out, url]);
/** The fair reference for a verified download: curl, then sha256sum over the file it wrote. */
const timeCurlSha = (url: string, out: string) => timeCommand('sh', ['-c', `"${curl}" -sS -L -o "${out}" "${url}" && sha256sum "${out}"`]);

/** Ours in its own process too (`diffa-downloader.ts`), timed the same way as the reference. */
function timeOurs(url: string, out: string, sha256: string): Promise<{ ms: number; cpuMs: number; peakRss: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'diffa-downloader.ts'), url, out, String(size), sha256], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
    });
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(text)) : reject(new Error(`the diffa downloader exited with ${code}`))));
  });
}

const mbps = (ms: number) => size / MB / (ms / 1000);

writeRandomFile(source, size);
const sha256 = await sha256File(source);
const server = await startServer();
const url = `${server.url}/bench/model/resolve/main/weights.bin`;
try {
  await timeCurl(url, join(dir, 'warm.bin')); // page cache warm for both
  rmSync(join(dir, 'warm.bin'));
  const curlMs: number[] = [];
  const curlShaMs: number[] = [];
  const oursMs: number[] = [];
  const oursCpuMs: number[] = [];
  const nodeMs: number[] = [];
  const nodeCpuMs: number[] = [];
  let peakRss = 0;
  const tasks = [
    async () => {
      curlMs.push(await timeCurl(url, join(dir, 'curl.bin')));
      rmSync(join(dir, 'curl.bin'));
    },
    async () => {
      curlShaMs.push(await timeCurlSha(url, join(dir, 'curl.bin')));
      rmSync(join(dir, 'curl.bin'));
    },
    async () => {
      const reference = await timeNodeReference(url, join(dir, 'node.bin'));
      if (reference.sha256 !== sha256) throw new Error('the reference downloader got other bytes');
      nodeMs.push(reference.ms);
      nodeCpuMs.push(reference.cpuMs);
      rmSync(join(dir, 'node.bin'));
    },
    async () => {
      const ours = await timeOurs(url, join(dir, 'ours.bin'), sha256);
      oursMs.push(ours.ms);
      oursCpuMs.push(ours.cpuMs);
      peakRss = Math.max(peakRss, ours.peakRss);
      if (statSync(join(dir, 'ours.bin')).size !== size) throw new Error('short download');
      rmSync(join(dir, 'ours.bin'));
    },
  ];
  for (let round = 0; round < rounds; round++) {
    // A different one goes first each round, so none always follows the same neighbour.
    for (let k = 0; k < tasks.length; k++) await (tasks[(round + k) % tasks.length] as () => Promise<void>)();
  }
  const result = {
    fileMB: size / MB,
    rounds,
    curlMBps: Math.round(mbps(median(curlMs))),
    oursMBps: Math.round(mbps(median(oursMs))),
    curlSha256MBps: Math.round(mbps(median(curlShaMs))),
    nodeReferenceMBps: Math.round(mbps(median(nodeMs))),
    ratioVsNodeReference: Number((median(nodeMs) / median(oursMs)).toFixed(3)),
    oursCpuMs: Math.round(median(oursCpuMs)),
    nodeReferenceCpuMs: Math.round(median(nodeCpuMs)),
    ratio: Number((median(curlMs) / median(oursMs)).toFixed(3)),
    ratioVsCurlSha256: Number((median(curlShaMs) / median(oursMs)).toFixed(3)),
    // Both sides compete for the same cores: a busy machine moves absolute numbers and ratios alike.
    loadAverage: Number((loadavg()[0] ?? 0).toFixed(1)),
    peakRssMB: Math.round(peakRss / MB),
    note: 'ours also hashes (SHA-256) every byte while downloading; curl does not',
  };
  console.log(`file ${result.fileMB} MB over loopback, median of ${rounds} rounds, load average ${result.loadAverage}`);
  console.log(`curl             ${result.curlMBps} MB/s`);
  console.log(`curl + sha256sum ${result.curlSha256MBps} MB/s`);
  console.log(`node reference   ${result.nodeReferenceMBps} MB/s   (node:http + SHA-256 + file), CPU ${result.nodeReferenceCpuMs} ms`);
  console.log(
    `diffa (+sha256)  ${result.oursMBps} MB/s   ratio ${result.ratioVsNodeReference} vs the node reference, ${result.ratio} vs curl, ${result.ratioVsCurlSha256} vs curl + sha256sum; CPU ${result.oursCpuMs} ms`,
  );
  console.log(`RSS              ${result.peakRssMB} MB peak of the downloader's process`);
  console.log(JSON.stringify(result));
} finally {
  server.stop();
  rmSync(dir, { recursive: true, force: true });
}
