import { createFileDecoder, type DecodedChunk, type FileDecoder, type ReusableFormat } from './reusable-decoders';

/**
 * Decoders kept between files, per format. A decode takes an idle one (or starts one), and gives it back recycled
 * when it is done, or frees it when it cannot be recycled. Each idle decoder holds its WASM memory (16 MB), so a
 * few are kept per format (enough for a probe and a read at once) and all are let go after a quiet spell.
 */
export const POOL_BOUNDS = { idlePerFormat: 2, idleMs: 30_000 } as const;

const idle = new Map<ReusableFormat, FileDecoder[]>();
let sweep: NodeJS.Timeout | null = null;

async function take(format: ReusableFormat): Promise<FileDecoder> {
  return idle.get(format)?.pop() ?? createFileDecoder(format);
}

function giveBack(format: ReusableFormat, decoder: FileDecoder): void {
  let kept = false;
  try {
    const list = idle.get(format) ?? [];
    if (list.length < POOL_BOUNDS.idlePerFormat && decoder.recycle()) {
      list.push(decoder);
      idle.set(format, list);
      kept = true;
    }
  } finally {
    if (!kept) decoder.free();
  }
  if (kept) {
    if (sweep) clearTimeout(sweep);
    sweep = setTimeout(releaseIdleDecoders, POOL_BOUNDS.idleMs);
    sweep.unref();
  }
}

/**
 * Loads and compiles the decoders ahead of the first file that needs them (~50-70 ms each the first time: the
 * module, its WASM compiled, an instance), and keeps one of each idle for the usual spell. For a process that will
 * answer questions for a while (the engine), not for one that decodes one file and exits.
 */
export async function prepareDecoders(formats: readonly ReusableFormat[] = ['mp3', 'oga']): Promise<void> {
  for (const format of formats) {
    if (idleDecoders(format) > 0) continue;
    giveBack(format, await createFileDecoder(format));
  }
}

/** Frees every idle decoder (after a quiet spell, and for tests). */
export function releaseIdleDecoders(): void {
  if (sweep) clearTimeout(sweep);
  sweep = null;
  for (const list of idle.values()) for (const decoder of list.splice(0)) decoder.free();
}

/** How many decoders wait idle, per format (tests and diagnostics). */
export function idleDecoders(format: ReusableFormat): number {
  return idle.get(format)?.length ?? 0;
}

/**
 * Decodes a byte stream with a pooled decoder, yielding what each chunk produced. The decoder goes back to the pool
 * when the stream ends or the reader stops early (a region read), and is freed when decoding failed.
 */
export async function* decodeWithPool(bytes: AsyncIterable<Uint8Array>, format: ReusableFormat): AsyncGenerator<DecodedChunk> {
  const decoder = await take(format);
  let failed = false;
  try {
    for await (const chunk of bytes) {
      const decoded = decoder.decode(chunk);
      if (decoded) yield decoded;
    }
    const rest = decoder.finish();
    if (rest) yield rest;
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // Also when the reader stopped early (a region read closes the generator at a yield): recycled, not lost.
    if (failed) decoder.free();
    else giveBack(format, decoder);
  }
}
