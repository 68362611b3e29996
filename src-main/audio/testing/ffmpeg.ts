import { execFileSync, spawnSync } from 'node:child_process';

/**
 * ffmpeg as the reference the audio code is tested against: fixtures are made with it (into temp dirs, per test
 * run) and its decoders, astats and ebur128 give the expected values. Tests skip, saying why, where it is missing.
 */
export const ffmpegMissing: string | false = (() => {
  const run = spawnSync('ffmpeg', ['-version'], { encoding: 'utf8' });
  return run.status === 0 ? false : 'ffmpeg is not installed (apt-get install ffmpeg): reference comparisons skipped';
})();

/** Runs ffmpeg quietly; throws with its stderr on failure. */
export function ffmpeg(...args: string[]): void {
  const run = spawnSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${run.stderr}`);
}

/** Renders a lavfi source expression (e.g. `aevalsrc=…`) to a file with the given codec arguments. */
export function render(source: string, path: string, ...codec: string[]): string {
  ffmpeg('-f', 'lavfi', '-i', source, ...codec, path);
  return path;
}

export function probeChannels(path: string): number {
  return Number(
    execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=channels', '-of', 'csv=p=0', path]).toString().trim(),
  );
}

/** What ffmpeg decodes a file to: planar Float32 per channel. */
export function ffmpegDecode(path: string): Float32Array[] {
  const channels = probeChannels(path);
  const bytes = execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-i', path, '-f', 'f32le', '-acodec', 'pcm_f32le', '-'], { maxBuffer: 1 << 30 });
  const interleaved = new Float32Array(new Uint8Array(bytes).buffer);
  const frames = interleaved.length / channels;
  return Array.from({ length: channels }, (_, c) => Float32Array.from({ length: frames }, (_, i) => interleaved[i * channels + c] as number));
}

export interface FfmpegMeasures {
  /** astats per channel. */
  channels: { dcOffset: number; peakDb: number; rmsDb: number }[];
  overall: { peakDb: number; rmsDb: number };
  /** ebur128: integrated loudness (3 decimals, from its metadata) and the largest true peak, in dBTP. */
  lufs: number;
  truePeakDb: number;
}

/** astats + ebur128 (peak=true) over a whole file, parsed from ffmpeg's log and metadata print. */
export function ffmpegMeasure(path: string): FfmpegMeasures {
  const run = spawnSync(
    'ffmpeg',
    ['-nostdin', '-hide_banner', '-nostats', '-i', path, '-af', 'astats=metadata=0,ebur128=peak=true:metadata=1,ametadata=print:file=-', '-f', 'null', '-'],
    { encoding: 'utf8', maxBuffer: 1 << 28 },
  );
  if (run.status !== 0) throw new Error(`ffmpeg measure failed: ${run.stderr}`);
  const log = run.stderr;
  const sections = log.split(/\] (?:Channel: \d+|Overall)\n/).slice(1);
  const field = (text: string, name: string) => Number(new RegExp(`${name}: (-?[\\d.]+|-?inf)`).exec(text)?.[1]);
  const channels = sections.slice(0, -1).map((s) => ({ dcOffset: field(s, 'DC offset'), peakDb: field(s, 'Peak level dB'), rmsDb: field(s, 'RMS level dB') }));
  const overallText = sections[sections.length - 1] ?? '';
  const integrated = [...run.stdout.matchAll(/lavfi\.r128\.I=(-?[\d.]+)/g)].map((m) => Number(m[1]));
  const truePeaks = [...run.stdout.matchAll(/lavfi\.r128\.true_peak=([\d.]+)/g)].map((m) => Number(m[1]));
  return {
    channels,
    overall: { peakDb: field(overallText, 'Peak level dB'), rmsDb: field(overallText, 'RMS level dB') },
    lufs: integrated[integrated.length - 1] ?? Number.NaN,
    truePeakDb: 20 * Math.log10(Math.max(...truePeaks)),
  };
}
