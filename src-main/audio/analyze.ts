import { type AudioFacts, FactsMeter } from '../../src-common/audio/facts';
import { PeakBuilder, type PeakPyramid } from '../../src-common/audio/peaks';
import type { AudioSource, Block } from './source';

/** One streaming pass over a whole file: its peak pyramid, and its exact length (compressed headers rarely say). */
export async function computePeaks(
  source: AudioSource,
  onProgress?: (fraction: number) => void,
  /** Also sees every decoded block (for the decoded copy of compressed files); not called on the raw fast path. */
  tee?: (block: Block) => Promise<void>,
): Promise<PeakPyramid> {
  const builder = new PeakBuilder(source.info.sampleRate, source.info.channels);
  if (source.interleaved) for await (const { data, frames, scale } of source.interleaved(onProgress)) builder.pushInterleaved(data, frames, scale);
  else
    for await (const block of source.blocks(0, null, onProgress)) {
      builder.push(block);
      await tee?.(block);
    }
  return builder.finish();
}

/** Measured facts of frames [start, end) (end null: to the end of the file). */
export async function measureFacts(source: AudioSource, start: number, end: number | null, onProgress?: (fraction: number) => void): Promise<AudioFacts> {
  const meter = new FactsMeter(source.info.sampleRate, source.info.channels, start);
  for await (const block of source.blocks(start, end, onProgress)) meter.push(block);
  return meter.result();
}

/** Samples of frames [start, end), joined per channel; bounded by the caller. */
export async function readSamples(source: AudioSource, start: number, end: number): Promise<Float32Array[]> {
  const channels = Array.from({ length: source.info.channels }, () => new Float32Array(Math.max(end - start, 0)));
  let filled = 0;
  for await (const block of source.blocks(start, end)) {
    block.forEach((data, c) => {
      (channels[c] as Float32Array).set(data, filled);
    });
    filled += block[0]?.length ?? 0;
  }
  return channels.map((channel) => channel.subarray(0, filled));
}
