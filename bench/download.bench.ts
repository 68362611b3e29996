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
const connections = Number(process.env.BENCH_CONNECTIONS ?? 8);
const linkBytes = Number(process.env.BENCH_LINK_MB ?? 64) * MB;
const linkRate = Number(process.env.BENCH_LINK_RATE_MB ?? 8) * MB;
const linkDelayMs = Number(process.env.BENCH_LINK_DELAY_MS ?? 25);
const linkRounds = Number(process.env.BENCH_LINK_ROUNDS ?? 3);
const linkSource = join(dir, 'link.bin');

function writeRandomFile(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  const block = randomBytes(8 * MB);
  for (let written = 0; written < bytes; written += block.length) writeSync(fd, block, 0, Math.min(block.length, bytes - written));
  closeSync(fd);
}

/** A process that prints its URL on its first line and serves until killed. */
async function startProcess(args: string[]): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)));
  });
  return { url, stop: () => child.kill() };
}

const startServer = () =>
  startProcess([
    join(import.meta.dirname, '..', 'src-main/models/testing/hub-server-main.ts'),
    'bench/model',
    `weights.bin=${source}`,
    `link.bin=${linkSource}`,
  ]);

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

/**
 * Ours in its own process too (`diffa-downloader.ts`), timed the same way as the reference; over `connections`
 * connections in byte ranges when more than 1, hashing as the prefix grows or (`end`) once all is on disk.
 */
function timeOurs(
  url: string,
  out: string,
  bytes: number,
  sha256: string,
  connections = 1,
  hashing: 'follow' | 'end' = 'follow',
): Promise<{ ms: number; cpuMs: number; peakRss: number }> {
  return new Promise((resolve, reject) => {
    const script = join(import.meta.dirname, 'diffa-downloader.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script, url, out, String(bytes), sha256, String(connections), hashing], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
    });
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(text)) : reject(new Error(`the diffa downloader exited with ${code}`))));
  });
}

const mbps = (ms: number, bytes = size) => bytes / MB / (ms / 1000);
const ratioOf = (reference: number[], ours: number[]) => Number((median(reference) / median(ours)).toFixed(3));
const load = () => Number((loadavg()[0] ?? 0).toFixed(1));

/** Loopback: ours against curl and the minimal Node downloader, one stream and in ranges (both ways of hashing). */
async function loopback(url: string): Promise<Record<string, unknown>> {
  await timeCurl(url, join(dir, 'warm.bin')); // page cache warm for all
  rmSync(join(dir, 'warm.bin'));
  const curlMs: number[] = [];
  const curlShaMs: number[] = [];
  const oursMs: number[] = [];
  const oursCpuMs: number[] = [];
  const nodeMs: number[] = [];
  const nodeCpuMs: number[] = [];
  const rangedMs: number[] = [];
  const rangedEndMs: number[] = [];
  let peakRss = 0;
  const ours = async (connections: number, hashing: 'follow' | 'end') => {
    const out = join(dir, 'ours.bin');
    const run = await timeOurs(url, out, size, sha256, connections, hashing);
    if (statSync(out).size !== size) throw new Error('short download');
    rmSync(out);
    return run;
  };
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
      const run = await ours(1, 'follow');
      oursMs.push(run.ms);
      oursCpuMs.push(run.cpuMs);
      peakRss = Math.max(peakRss, run.peakRss);
    },
    async () => {
      rangedMs.push((await ours(connections, 'follow')).ms);
    },
    async () => {
      rangedEndMs.push((await ours(connections, 'end')).ms);
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
    ratioVsNodeReference: ratioOf(nodeMs, oursMs),
    // Each round's own ratio (the load drifts more between rounds than within one), and their median.
    ratioVsNodeReferencePerRound: nodeMs.map((node, i) => Number((node / (oursMs[i] as number)).toFixed(2))),
    medianOfRoundRatiosVsNodeReference: Number(median(nodeMs.map((node, i) => node / (oursMs[i] as number))).toFixed(3)),
    oursCpuMs: Math.round(median(oursCpuMs)),
    nodeReferenceCpuMs: Math.round(median(nodeCpuMs)),
    ratio: ratioOf(curlMs, oursMs),
    ratioVsCurlSha256: ratioOf(curlShaMs, oursMs),
    rangedMBps: Math.round(mbps(median(rangedMs))),
    rangedHashAtEndMBps: Math.round(mbps(median(rangedEndMs))),
    // Both sides compete for the same cores: a busy machine moves absolute numbers and ratios alike.
    loadAverage: load(),
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
  console.log(
    `                 per round: ${result.ratioVsNodeReferencePerRound.join(', ')} vs the node reference (median ${result.medianOfRoundRatiosVsNodeReference})`,
  );
  console.log(
    `diffa, ${connections} connections  ${result.rangedMBps} MB/s hashing as the prefix grows, ${result.rangedHashAtEndMBps} MB/s hashing at the end`,
  );
  console.log(`RSS              ${result.peakRssMB} MB peak of the one-stream downloader's process`);
  return result;
}

/**
 * The emulated slow link (`emulated-link.ts`: 2 × delay of round-trip time, each connection capped): one curl, ours
 * over one stream and ours over `connections` connections, through the same link, each round in turn.
 */
async function emulatedLink(hubPort: number): Promise<Record<string, unknown>> {
  const link = await startProcess([join(import.meta.dirname, 'emulated-link.ts'), String(hubPort), String(linkDelayMs), String(linkRate)]);
  const url = `${link.url}/bench/model/resolve/main/link.bin`;
  const curlMs: number[] = [];
  const oneMs: number[] = [];
  const rangedMs: number[] = [];
  const rangedEndMs: number[] = [];
  const ratios: number[] = [];
  try {
    for (let round = 0; round < linkRounds; round++) {
      const curl = await timeCurl(url, join(dir, 'curl.bin'));
      rmSync(join(dir, 'curl.bin'));
      const one = await timeOurs(url, join(dir, 'one.bin'), linkBytes, linkSha256, 1);
      rmSync(join(dir, 'one.bin'));
      const ranged = await timeOurs(url, join(dir, 'ranged.bin'), linkBytes, linkSha256, connections);
      rmSync(join(dir, 'ranged.bin'));
      const rangedEnd = await timeOurs(url, join(dir, 'ranged.bin'), linkBytes, linkSha256, connections, 'end');
      rmSync(join(dir, 'ranged.bin'));
      rangedEndMs.push(rangedEnd.ms);
      curlMs.push(curl);
      oneMs.push(one.ms);
      rangedMs.push(ranged.ms);
      ratios.push(curl / ranged.ms);
    }
  } finally {
    link.stop();
  }
  const result = {
    fileMB: linkBytes / MB,
    rttMs: 2 * linkDelayMs,
    perConnectionMBps: linkRate / MB,
    connections,
    rounds: linkRounds,
    curlMBps: Number(mbps(median(curlMs), linkBytes).toFixed(2)),
    oursOneStreamMBps: Number(mbps(median(oneMs), linkBytes).toFixed(2)),
    oursRangedMBps: Number(mbps(median(rangedMs), linkBytes).toFixed(2)),
    oursRangedHashAtEndMBps: Number(mbps(median(rangedEndMs), linkBytes).toFixed(2)),
    ratioRangedVsCurl: ratioOf(curlMs, rangedMs),
    ratioRangedVsCurlPerRound: ratios.map((r) => Number(r.toFixed(2))),
    loadAverage: load(),
  };
  console.log(
    `emulated link: ${result.rttMs} ms round trip, ${result.perConnectionMBps} MB/s per connection; file ${result.fileMB} MB, median of ${linkRounds} rounds, load average ${result.loadAverage}`,
  );
  console.log(`curl (one connection)            ${result.curlMBps} MB/s`);
  console.log(`diffa, one stream                ${result.oursOneStreamMBps} MB/s`);
  console.log(
    `diffa, ${connections} connections           ${result.oursRangedMBps} MB/s   ${result.ratioRangedVsCurl}x curl (rounds: ${result.ratioRangedVsCurlPerRound.join(', ')})`,
  );
  console.log(`  the same, hashing at the end    ${result.oursRangedHashAtEndMBps} MB/s`);
  return result;
}

writeRandomFile(source, size);
const sha256 = await sha256File(source);
writeRandomFile(linkSource, linkBytes);
const linkSha256 = await sha256File(linkSource);
const server = await startServer();
try {
  const results: Record<string, unknown> = {};
  if (process.env.BENCH_LOOPBACK !== '0') results.loopback = await loopback(`${server.url}/bench/model/resolve/main/weights.bin`);
  if (process.env.BENCH_LINK !== '0') results.emulatedLink = await emulatedLink(Number(new URL(server.url).port));
  console.log(JSON.stringify(results));
} finally {
  server.stop();
  rmSync(dir, { recursive: true, force: true });
}
