/**
 * Which part of a region the model hears. A model hears at most its manifest's `chunk_s` seconds; a longer region is
 * cut to one window of that length, chosen by the person:
 *   - start: the region's first seconds (the default: a region is usually drawn from a sound's onset, the model was
 *     trained on clips that begin at the onset, and it is the only choice that never decodes more than the heard part,
 *     even in a compressed file that must be decoded from its beginning);
 *   - centre: the middle of the region;
 *   - loudest: the window centred on the region's loudest second (from the file's peaks).
 * The engine decodes only the window; the waveform shades the same window, computed here for both.
 */
export const HEARD_PARTS = ['start', 'centre', 'loudest'] as const;
export type HeardPart = (typeof HEARD_PARTS)[number];
export const DEFAULT_HEARD_PART: HeardPart = 'start';

export interface Span {
  start: number;
  end: number;
}

/**
 * The heard window of `region` for a model that hears `chunkSeconds`. `loudestAt` is the centre of the loudest second
 * (seconds in the file), used by 'loudest'; without it 'loudest' falls back to the start.
 */
export function heardWindow(region: Span, chunkSeconds: number, part: HeardPart, loudestAt: number | null = null): Span {
  const length = region.end - region.start;
  if (!(length > chunkSeconds)) return { start: region.start, end: region.end };
  const centre = part === 'centre' ? region.start + length / 2 : part === 'loudest' && loudestAt !== null ? loudestAt : null;
  const wanted = centre === null ? region.start : centre - chunkSeconds / 2;
  const start = Math.min(Math.max(wanted, region.start), region.end - chunkSeconds);
  return { start, end: start + chunkSeconds };
}

/**
 * The centre (seconds) of the loudest one-second stretch of min/max peaks (−1…1, as audio.peaks sends them) that begin
 * at `start` seconds with `secondsPerPeak` each. Loudness here is the mean squared peak amplitude summed over channels:
 * peaks carry no RMS, and a loud second has loud peaks throughout. Null when there are no peaks.
 */
export function loudestSecond(channels: { min: ArrayLike<number>; max: ArrayLike<number> }[], start: number, secondsPerPeak: number): number | null {
  const count = channels[0]?.min.length ?? 0;
  if (count === 0 || !(secondsPerPeak > 0)) return null;
  const energy = new Float64Array(count);
  for (const { min, max } of channels) {
    for (let i = 0; i < count; i++) {
      const amplitude = Math.max(Math.abs(min[i] ?? 0), Math.abs(max[i] ?? 0));
      energy[i] = (energy[i] as number) + amplitude * amplitude;
    }
  }
  const width = Math.max(1, Math.min(count, Math.round(1 / secondsPerPeak)));
  let sum = 0;
  for (let i = 0; i < width; i++) sum += energy[i] as number;
  let best = sum;
  let bestAt = 0;
  for (let i = width; i < count; i++) {
    sum += (energy[i] as number) - (energy[i - width] as number);
    // Strictly louder: among equal seconds the earliest wins, so the choice is stable.
    if (sum > best + 1e-9) {
      best = sum;
      bestAt = i - width + 1;
    }
  }
  return start + (bestAt + width / 2) * secondsPerPeak;
}
