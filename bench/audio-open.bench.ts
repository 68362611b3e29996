/**
 * Opening a two-hour 48 kHz stereo 16-bit WAV (1.38 GB) to computed peaks, against `ffmpeg -i FILE -f null -`
 * decoding the same file, in the same run; then a cached reopen, and the memory the peaks pass adds.
 *
 *   npm run bench:audio                      # both audio benches
 *   npx tsx bench/audio-open.bench.ts        # this one; BENCH_ROUNDS=5, BENCH_MINUTES=120 to change
 *
 * "Open" is what the app does for a file it has not seen: `audio.describe` + `audio.peaks` for the whole file at a
 * screen's width, through AudioService (worker thread, cache file written) with an empty cache. Rounds alternate
 * ffmpeg and ours so page-cache and CPU-contention effects hit both alike; medians are reported, and the ratio is
 * the median of the per-round ratios. The file is
 * generated into a temporary folder (60 s of pink noise, looped) and deleted afterwards.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computePeaks } from '../src-main/audio/analyze';
import { AudioService } from '../src-main/audio/audio-service';
import { openAudio } from '../src-main/audio/open-audio';
import { median } from './stats';

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const minutes = Number(process.env.BENCH_MINUTES ?? 120);
const dir = mkdtempSync(join(tmpdir(), 'diffa-bench-audio-'));
const file = join(dir, 'two-hours.wav');

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
}

function ffmpegDecodeSeconds(): number {
  const started = performance.now();
  run('ffmpeg', ['-v', 'error', '-nostdin', '-i', file, '-f', 'null', '-']);
  return (performance.now() - started) / 1000;
}

/**
 * A cold open with an empty cache. RSS is sampled every 20 ms (the worker thread lives in this process) and counted
 * from `baseline`, the RSS before the first round: memory a round keeps after it ends counts against later rounds.
 */
async function openSeconds(cache: string, baseline: number): Promise<{ seconds: number; addedMb: number }> {
  rmSync(cache, { recursive: true, force: true });
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  const service = new AudioService(cache);
  await service.describe(file);
  await service.peaks(file, 'bench', { start: 0, width: 2000 });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  return { seconds, addedMb: (peak - baseline) / 1e6 };
}

async function main(): Promise<void> {
  const started = performance.now();
  run('ffmpeg', [
    '-v',
    'error',
    '-nostdin',
    '-f',
    'lavfi',
    '-i',
    'anoisesrc=color=pink:amplitude=0.25:d=60:seed=5:r=48000',
    '-af',
    'pan=stereo|c0=c0|c1=-0.7*c0',
    '-c:a',
    'pcm_s16le',
    join(dir, 'minute.wav'),
  ]);
  run('ffmpeg', ['-v', 'error', '-nostdin', '-stream_loop', String(minutes - 1), '-i', join(dir, 'minute.wav'), '-c', 'copy', file]);
  console.log(
    `generated ${(statSync(file).size / 1e9).toFixed(2)} GB (${minutes} min, 48 kHz stereo 16-bit) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  const cache = join(dir, 'cache');
  const ffmpegTimes: number[] = [];
  const ours: { seconds: number; addedMb: number }[] = [];
  const baseline = process.memoryUsage().rss;
  for (let round = 0; round < rounds; round++) {
    ffmpegTimes.push(ffmpegDecodeSeconds());
    ours.push(await openSeconds(cache, baseline));
    console.log(
      `round ${round + 1}: ffmpeg ${ffmpegTimes[round]?.toFixed(2)} s, diffa open ${ours[round]?.seconds.toFixed(2)} s (+${ours[round]?.addedMb.toFixed(0)} MB RSS)`,
    );
  }
  // The same pass in this thread, without the worker's start-up (from source, tsx compiles the worker's modules
  // first: ~0.7 s on an idle machine, more under load; the packaged app starts a prebuilt bundle).
  const inProcess: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const ffmpegSeconds = ffmpegDecodeSeconds();
    const begun = performance.now();
    await computePeaks(await openAudio(file));
    inProcess.push((performance.now() - begun) / 1000 / ffmpegSeconds);
  }
  const reopen: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const begun = performance.now();
    const service = new AudioService(cache); // a fresh service: nothing in memory, the cache file on disk
    await service.describe(file);
    await service.peaks(file, 'bench', { start: 0, width: 2000 });
    reopen.push((performance.now() - begun) / 1000);
  }
  const ff = median(ffmpegTimes);
  const open = median(ours.map((o) => o.seconds));
  // Paired per round: on a shared machine the load drifts between rounds more than between the two halves of one.
  const ratio = median(ours.map((o, i) => o.seconds / (ffmpegTimes[i] as number)));
  console.log('\n| measure | ffmpeg -f null | diffa | ratio | target |');
  console.log('| --- | --- | --- | --- | --- |');
  console.log(
    `| open ${minutes} min WAV → peaks (median of ${rounds}) | ${ff.toFixed(2)} s | ${open.toFixed(2)} s | ${ratio.toFixed(2)}× (median of per-round ratios) | ≤ 2× |`,
  );
  console.log(`| the peaks pass alone, in-process (median of ${rounds} paired ratios) | — | — | ${median(inProcess).toFixed(2)}× | — |`);
  console.log(`| cached reopen (median of ${rounds}) | — | ${median(reopen).toFixed(3)} s | — | ≤ 0.5 s |`);
  console.log(
    `| RSS added while computing peaks (peak of ${rounds} rounds over the RSS before the first) | — | ${Math.max(...ours.map((o) => o.addedMb)).toFixed(0)} MB | — | ≤ 300 MB |`,
  );
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
