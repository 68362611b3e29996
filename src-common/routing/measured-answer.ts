import type { AudioFactsView } from '../audio/schemas';
import type { Measure } from './question-kinds';

/**
 * Answers to measured questions: a sentence with the figures and the standard they follow, from the app's own
 * measurement of the region (src-common/audio/facts). Never the model's words: the chat and the exports mark them
 * as measured.
 */
export interface MeasuredAnswer {
  measure: Measure;
  text: string;
  /** The standard or definition the figures follow. */
  standard: string;
  /** The figures the sentence used, for `ask --json`, provenance and exports. */
  facts: Record<string, number | string | null>;
}

const BS1770 = 'ITU-R BS.1770-4';
/** Below this sample peak a region counts as silent (EBU R 128's gate is −70 LUFS; −60 dBFS is the usual edit rule). */
export const SILENCE_DBFS = -60;
/** A DC offset above this fraction of full scale is worth removing (about −60 dBFS). */
export const DC_NOTICEABLE = 0.001;

const minus = (s: string) => s.replace(/^-/, '−');
const db = (value: number | null, unit: string, signed = false): string => {
  if (value === null) return `−∞ ${unit}`;
  const shown = Math.abs(value) < 0.05 ? '0.0' : value.toFixed(1); // never "−0.0"
  return `${minus(`${signed && Number(shown) > 0 ? '+' : ''}${shown}`)} ${unit}`;
};
const grouped = (n: number) => n.toLocaleString('en').replace(/,/g, ' ');
const round = (v: number | null, digits = 2) => (v === null ? null : Number(v.toFixed(digits)));

/** 0:01.204 — minutes, seconds and milliseconds, as the regions list shows times. */
export function clock(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  return `${m}:${s.toFixed(3).padStart(6, '0')}`;
}

function channelName(channels: number): string {
  return ({ 1: 'mono', 2: 'stereo' } as Record<number, string>)[channels] ?? `${channels}-channel`;
}

export function measuredAnswer(measure: Measure, f: AudioFactsView): MeasuredAnswer {
  const peaks = `sample peak ${db(f.peakDbfs, 'dBFS')}, true peak ${db(f.truePeakDbtp, 'dBTP', true)} (${BS1770})`;
  switch (measure) {
    case 'clipping': {
      const longest = f.clipRuns.reduce<AudioFactsView['clipRuns'][number] | null>((a, r) => (!a || r.samples > a.samples ? r : a), null);
      const facts = { clippedRuns: f.clippedRuns, longestRunSamples: longest?.samples ?? null, longestRunAt: longest ? round(longest.start, 3) : null };
      const standard = `runs of ≥ 2 consecutive samples at ≥ 99.9 % of full scale; true peak per ${BS1770}`;
      const truePeak = { truePeakDbtp: round(f.truePeakDbtp), peakDbfs: round(f.peakDbfs) };
      if (!longest) {
        return { measure, standard, facts: { ...facts, ...truePeak }, text: `No — no clipped runs; ${peaks}.` };
      }
      const runs = `${grouped(f.clippedRuns)} clipped run${f.clippedRuns === 1 ? '' : 's'}`;
      const where =
        f.clippedRuns === 1 ? `${longest.samples} samples at ${clock(longest.start)}` : `the longest ${longest.samples} samples at ${clock(longest.start)}`;
      return {
        measure,
        standard,
        facts: { ...facts, ...truePeak },
        text: `Yes — ${runs}, ${where}; true peak ${db(f.truePeakDbtp, 'dBTP', true)} (${BS1770}).`,
      };
    }
    case 'truePeak':
    case 'peak': {
      const over = f.truePeakDbtp !== null && f.truePeakDbtp > -1 ? ' — above the −1 dBTP ceiling of EBU R 128' : '';
      const text = `${peaks.charAt(0).toUpperCase()}${peaks.slice(1)}${over}.`;
      return { measure, text, standard: `${BS1770} true peak (4× oversampled)`, facts: { peakDbfs: round(f.peakDbfs), truePeakDbtp: round(f.truePeakDbtp) } };
    }
    case 'loudness': {
      const facts = { lufs: round(f.lufs, 1), rmsDbfs: round(f.rmsDbfs), peakDbfs: round(f.peakDbfs) };
      const standard = `${BS1770} integrated loudness with gating (as EBU R 128 uses)`;
      const rms = `RMS ${db(f.rmsDbfs, 'dBFS')}, sample peak ${db(f.peakDbfs, 'dBFS')}`;
      if (f.lufs === null) {
        return { measure, facts, standard, text: `No integrated loudness: the region is shorter than 400 ms or below the −70 LUFS gate (${BS1770}); ${rms}.` };
      }
      return { measure, facts, standard, text: `${minus(f.lufs.toFixed(1))} LUFS integrated (${BS1770}; EBU R 128 aims at −23); ${rms}.` };
    }
    case 'dcOffset': {
      const size = Math.abs(f.dcOffset);
      const verdict = size > DC_NOTICEABLE ? 'Yes — noticeable' : 'Negligible';
      const level = size > 0 ? ` (${db(20 * Math.log10(size), 'dBFS')})` : '';
      return {
        measure,
        text: `${verdict}: DC offset ${minus(f.dcOffset.toFixed(5))} of full scale${level}, the mean of the samples of the channel furthest from zero.`,
        standard: `mean sample value; above ${DC_NOTICEABLE} of full scale counts as noticeable`,
        facts: { dcOffset: Number(f.dcOffset.toPrecision(4)) },
      };
    }
    case 'silence': {
      const facts = { peakDbfs: round(f.peakDbfs), rmsDbfs: round(f.rmsDbfs) };
      const standard = `digital silence, or a sample peak below ${SILENCE_DBFS} dBFS`;
      if (f.peakDbfs === null) return { measure, facts, standard, text: 'Yes — digital silence: every sample is zero.' };
      if (f.peakDbfs < SILENCE_DBFS)
        return { measure, facts, standard, text: `Yes — near silence: sample peak ${db(f.peakDbfs, 'dBFS')}, below ${minus(String(SILENCE_DBFS))} dBFS.` };
      return { measure, facts, standard, text: `No — sample peak ${db(f.peakDbfs, 'dBFS')}, RMS ${db(f.rmsDbfs, 'dBFS')}.` };
    }
    case 'duration': {
      const frames = Math.round(f.duration * f.sampleRate);
      return {
        measure,
        text: `${f.duration.toFixed(3)} s (${clock(f.duration)}), ${grouped(frames)} frames at ${grouped(f.sampleRate)} Hz.`,
        standard: 'frames decoded ÷ sample rate',
        facts: { durationSeconds: round(f.duration, 4), frames, sampleRate: f.sampleRate },
      };
    }
    case 'sampleRate': {
      const depth = f.bitDepth === null ? 'a lossy codec (no fixed bit depth)' : `${f.bitDepth}-bit`;
      return {
        measure,
        text: `${grouped(f.sampleRate)} Hz, ${depth}.`,
        standard: "the file's header, as decoded",
        facts: { sampleRate: f.sampleRate, bitDepth: f.bitDepth },
      };
    }
    case 'channels':
      return {
        measure,
        text: `${f.channels} channel${f.channels === 1 ? '' : 's'} (${channelName(f.channels)}).`,
        standard: "the file's header, as decoded",
        facts: { channels: f.channels },
      };
  }
}
