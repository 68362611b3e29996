/**
 * Measured facts against ffmpeg's astats (sample peak, RMS, DC) and ebur128 (integrated loudness, true peak) on
 * test signals, in one run: the largest difference per measure, and the time both take on a longer file.
 *
 *   npx tsx bench/audio-measure.bench.ts     # BENCH_MINUTES=10 sets the long file's length
 *
 * Targets: within 0.1 dB (loudness within 0.2 LU). ffmpeg's ebur128 true peak comes from its metadata (linear, 3
 * decimals), its integrated loudness from the last lavfi.r128.I value (3 decimals).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureFacts } from '../src-main/audio/analyze';
import { openAudio } from '../src-main/audio/open-audio';
import { ffmpegMeasure, render } from '../src-main/audio/testing/ffmpeg';

const dir = mkdtempSync(join(tmpdir(), 'diffa-bench-measure-'));
const minutes = Number(process.env.BENCH_MINUTES ?? 10);

const signals = [
  ['sine 997 Hz at −6 dBFS, 24-bit', 'aevalsrc=0.5*sin(2*PI*997*t):s=48000:d=10', 'sine.wav', ['-c:a', 'pcm_s24le']],
  ['pink noise, float', 'anoisesrc=color=pink:amplitude=0.3:d=10:seed=7:r=48000', 'pink.wav', ['-c:a', 'pcm_f32le']],
  ['white noise, float', 'anoisesrc=color=white:amplitude=0.3:d=10:seed=8:r=48000', 'white.wav', ['-c:a', 'pcm_f32le']],
  ['clipped sine, 16-bit', 'aevalsrc=clip(1.5*sin(2*PI*1000*t)\\,-1\\,1):s=48000:d=10', 'clipped.wav', ['-c:a', 'pcm_s16le']],
  ['stereo with DC, 44.1 kHz', 'aevalsrc=0.3*sin(2*PI*440*t)+0.1|0.3*sin(2*PI*660*t)-0.05:s=44100:d=10', 'dc.wav', ['-c:a', 'pcm_f32le']],
  ['brown noise MP3, stereo', 'anoisesrc=color=brown:amplitude=0.4:d=10:seed=3:r=44100', 'brown.mp3', ['-ac', '2', '-c:a', 'libmp3lame']],
] as const;

const diff = (ours: number | null, theirs: number) => (ours === null ? Number.NaN : ours - theirs);
const fmt = (v: number, digits = 3) => (v >= 0 ? `+${v.toFixed(digits)}` : v.toFixed(digits));

async function main(): Promise<void> {
  console.log('| signal | peak dBFS (ffmpeg, Δ) | RMS dBFS (ffmpeg, Δ) | true peak dBTP (ffmpeg, Δ) | LUFS (ffmpeg, Δ) | DC max |Δ| |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const [name, source, file, codec] of signals) {
    const path = render(source, join(dir, file), ...codec);
    const ref = ffmpegMeasure(path);
    const facts = await measureFacts(await openAudio(path), 0, null);
    const dc = Math.max(...ref.channels.map((c, i) => Math.abs((facts.perChannel[i]?.dcOffset ?? 0) - c.dcOffset)));
    console.log(
      `| ${name} | ${ref.overall.peakDb.toFixed(3)}, ${fmt(diff(facts.peakDbfs, ref.overall.peakDb))} | ${ref.overall.rmsDb.toFixed(3)}, ${fmt(diff(facts.rmsDbfs, ref.overall.rmsDb))} | ${ref.truePeakDb.toFixed(3)}, ${fmt(diff(facts.truePeakDbtp, ref.truePeakDb))} | ${ref.lufs.toFixed(3)}, ${fmt(diff(facts.lufs, ref.lufs))} | ${dc.toExponential(1)} |`,
    );
  }

  const long = render(`anoisesrc=color=pink:amplitude=0.25:d=${minutes * 60}:seed=11:r=48000`, join(dir, 'long.wav'), '-ac', '2', '-c:a', 'pcm_s16le');
  let started = performance.now();
  ffmpegMeasure(long);
  const ffmpegSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  await measureFacts(await openAudio(long), 0, null);
  const ourSeconds = (performance.now() - started) / 1000;
  console.log(`\n| ${minutes} min 48 kHz stereo | ffmpeg astats + ebur128=peak=true | diffa facts | ratio |`);
  console.log('| --- | --- | --- | --- |');
  console.log(`| time | ${ffmpegSeconds.toFixed(2)} s | ${ourSeconds.toFixed(2)} s | ${(ourSeconds / ffmpegSeconds).toFixed(2)}× |`);
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
