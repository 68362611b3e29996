import { resolve } from 'node:path';
import { measureFacts } from '../audio/analyze';
import { factsView } from '../audio/audio-service';
import { openAudio } from '../audio/open-audio';
import { type Command, secondsOption as seconds, UsageError } from './command';

const db = (value: number | null, unit: string) => (value === null ? `−∞ ${unit}` : `${value.toFixed(2)} ${unit}`);

export const infoCommand: Command = {
  name: 'info',
  summary: 'Describe an audio file and measure it: peak, true peak, RMS, loudness, clipping, DC offset',
  usage: `Usage: npm run diffa -- info --audio FILE [--start S --end E] [--json]

  --audio FILE       the audio file (WAV, AIFF, FLAC, MP3, Ogg Vorbis, Opus, M4A/AAC, …)
  --start S --end E  measure only this region, in seconds (default: the whole file)
  --json             print one JSON object: duration_s, sample_rate, channels, bit_depth, codec, peak_dbfs,
                     true_peak_dbtp, rms_dbfs, lufs, clipped_runs, clipped_run_list, dc_offset, per_channel
Levels of digital silence are −∞ (null in JSON); lufs is null for a region shorter than 400 ms.
A clipped run is ≥ 2 consecutive samples of one channel at |x| ≥ 0.999 of full scale.`,
  options: {
    audio: { type: 'string' },
    start: { type: 'string' },
    end: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values) {
    if (typeof values.audio !== 'string') throw new UsageError('--audio FILE is required');
    const start = seconds(values, 'start') ?? 0;
    const end = seconds(values, 'end');
    if (end !== null && end <= start) throw new UsageError('--end must be after --start');
    const source = await openAudio(resolve(values.audio));
    const { info } = source;
    const first = Math.round(start * info.sampleRate);
    if (info.frames !== null && first >= info.frames) {
      throw new UsageError(`--start ${start} is after the end of the file (${(info.frames / info.sampleRate).toFixed(3)} s)`);
    }
    const last = end === null ? null : Math.round(end * info.sampleRate);
    // Long files take a while (the true-peak interpolation): show how far it is when someone is watching.
    const progress = process.stderr.isTTY ? (fraction: number) => process.stderr.write(`\rmeasuring… ${Math.round(fraction * 100)} %`) : undefined;
    const measured = await measureFacts(source, first, last, progress);
    if (progress) process.stderr.write('\r\x1b[K');
    const facts = factsView(measured, info.bitDepth);
    if (facts.duration === 0) throw new UsageError(`--start ${start} is after the end of the file`);
    if (values.json === true) {
      const json = {
        file: source.path,
        codec: info.codec,
        start_s: facts.start,
        duration_s: facts.duration,
        sample_rate: facts.sampleRate,
        channels: facts.channels,
        bit_depth: facts.bitDepth,
        peak_dbfs: facts.peakDbfs,
        true_peak_dbtp: facts.truePeakDbtp,
        rms_dbfs: facts.rmsDbfs,
        lufs: facts.lufs,
        clipped_runs: facts.clippedRuns,
        clipped_run_list: facts.clipRuns.map((run) => ({ channel: run.channel, start_s: run.start, samples: run.samples })),
        dc_offset: facts.dcOffset,
        per_channel: facts.perChannel.map((c) => ({
          peak_dbfs: c.peakDbfs,
          true_peak_dbtp: c.truePeakDbtp,
          rms_dbfs: c.rmsDbfs,
          dc_offset: c.dcOffset,
          clipped_runs: c.clippedRuns,
        })),
        warning: info.warning,
      };
      console.log(JSON.stringify(json, null, 2));
      return 0;
    }
    const clips = facts.clipRuns
      .slice(0, 5)
      .map((run) => `ch${run.channel + 1} @ ${run.start.toFixed(3)} s (${run.samples})`)
      .join(', ');
    console.log(
      [
        `${source.path}`,
        `  codec        ${info.codec} (${info.container})${info.warning ? `  — ${info.warning}` : ''}`,
        `  region       ${facts.start.toFixed(3)}–${(facts.start + facts.duration).toFixed(3)} s (${facts.duration.toFixed(3)} s)`,
        `  format       ${facts.sampleRate} Hz, ${facts.channels} ch, ${facts.bitDepth === null ? 'lossy' : `${facts.bitDepth}-bit`}`,
        `  sample peak  ${db(facts.peakDbfs, 'dBFS')}`,
        `  true peak    ${db(facts.truePeakDbtp, 'dBTP')}`,
        `  RMS          ${db(facts.rmsDbfs, 'dBFS')}`,
        `  loudness     ${facts.lufs === null ? '— (silent, or shorter than 400 ms)' : `${facts.lufs.toFixed(1)} LUFS`}`,
        `  clipped runs ${facts.clippedRuns}${clips ? `: ${clips}${facts.clippedRuns > 5 ? ', …' : ''}` : ''}`,
        `  DC offset    ${facts.perChannel.map((c) => c.dcOffset.toFixed(5)).join(' / ')}`,
      ].join('\n'),
    );
    return 0;
  },
};
