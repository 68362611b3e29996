/// <reference lib="webworker" />
import { computeSpectrogram, decodeSamples } from './compute';
import type { SpectrogramPreset } from './presets';

/** A request from the panel: contiguous sample chunks (base64 Float32, as `audio.samples` sends them) and the view. */
export interface WorkerRequest {
  seq: number;
  chunks: Array<{ start: number; base64: string }>;
  /** Instead of chunks: short segments already laid end to end, one per column, with each column's frame centre. */
  segments?: { samples: Float32Array; columnCentres: Int32Array };
  sampleRate: number;
  viewStart: number;
  viewEnd: number;
  width: number;
  height: number;
  preset: SpectrogramPreset;
}

export type WorkerReply =
  | { seq: number; ok: true; width: number; height: number; pixels: Uint8ClampedArray; minHz: number; maxHz: number; fftSize: number; ms: number }
  | { seq: number; ok: false; error: string };

const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  const began = performance.now();
  try {
    let samples: Float32Array;
    if (request.segments) samples = request.segments.samples;
    else {
      const parts = request.chunks.map((chunk) => decodeSamples(chunk.base64));
      samples = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
      let offset = 0;
      for (const part of parts) {
        samples.set(part, offset);
        offset += part.length;
      }
    }
    const image = computeSpectrogram({
      ...(request.segments ? { columnCentres: request.segments.columnCentres } : {}),
      samples,
      sampleRate: request.sampleRate,
      samplesStart: request.chunks[0]?.start ?? request.viewStart,
      viewStart: request.viewStart,
      viewEnd: request.viewEnd,
      width: request.width,
      height: request.height,
      preset: request.preset,
    });
    const reply: WorkerReply = {
      seq: request.seq,
      ok: true,
      width: image.width,
      height: image.height,
      pixels: image.pixels,
      minHz: image.minHz,
      maxHz: image.maxHz,
      fftSize: image.fftSize,
      ms: performance.now() - began,
    };
    scope.postMessage(reply, [image.pixels.buffer]);
  } catch (error) {
    scope.postMessage({ seq: request.seq, ok: false, error: (error as Error).message } satisfies WorkerReply);
  }
};
