/** Samples out of a decoder, one Float32Array per channel; null when a call produced none. */
export interface DecodedChunk {
  channelData: Float32Array[];
  sampleRate: number;
}

/**
 * A codec decoder that can go on to another file without a new WebAssembly instance. Each instance owns 16 MB of
 * WASM memory: starting one per file cost ~2 ms, and the full garbage collection that the external memory set off
 * cost more (the engine's CPU profile: about one mark-compact per file, 20 % of an answer's CPU on short clips).
 */
export interface FileDecoder {
  decode(bytes: Uint8Array): DecodedChunk | null;
  /** The end of the file: what the codec still holds. */
  finish(): DecodedChunk | null;
  /**
   * Brings the decoder back to the state of a new one, after a whole file or part of one (a region read that
   * stopped early). False when that cannot be done safely: the caller frees it instead.
   */
  recycle(): boolean;
  free(): void;
}

/** The formats whose decoder can be recycled; the others start a decoder per file through audio-decode. */
export type ReusableFormat = 'mp3' | 'oga';
export const REUSABLE_FORMATS: ReadonlySet<string> = new Set<ReusableFormat>(['mp3', 'oga']);

export function createFileDecoder(format: ReusableFormat): Promise<FileDecoder> {
  return format === 'mp3' ? createMp3Decoder() : createVorbisDecoder();
}

/** The C heap of an Emscripten build, as mpg123-decoder's shared helper exposes it. */
interface WasmHeap {
  HEAP: ArrayBuffer;
  malloc(bytes: number): number;
  free(pointer: number): void;
}

const PAGE = 65536;

/**
 * A copy of the decoder's linear memory as it is right after start-up: everything the C code has written by then
 * (static data, the stack, the allocator's bookkeeping and the decoder's state) lies below the end of the heap, and
 * everything above it is still zero. Writing the copy back makes the decoder new again: the allocator forgets what
 * the last file allocated above it, and the C code never assumes that memory it allocates is zero (calloc clears).
 * The memory must not have grown (the views the library holds would be detached); null if it cannot be taken.
 */
function snapshotMemory(wasm: WasmHeap): Uint8Array | null {
  const heap = wasm.HEAP;
  if (!(heap instanceof ArrayBuffer) || heap.byteLength === 0) return null;
  // The last byte written so far, found from the top (the untouched top of a fresh 16 MB memory is all zero).
  const words = new Uint32Array(heap, 0, heap.byteLength >>> 2);
  let last = words.length - 1;
  while (last >= 0 && words[last] === 0) last--;
  const probe = wasm.malloc(1);
  if (!probe) return null;
  wasm.free(probe);
  // A page of margin above both: the allocator's header of its free top chunk sits right after the last allocation.
  const end = Math.min(heap.byteLength, Math.ceil((Math.max((last + 1) * 4, probe) + PAGE) / PAGE) * PAGE);
  return new Uint8Array(heap, 0, end).slice();
}

function restoreMemory(wasm: WasmHeap, snapshot: Uint8Array): boolean {
  const heap = wasm.HEAP;
  if (!(heap instanceof ArrayBuffer) || heap.byteLength < snapshot.length) return false;
  new Uint8Array(heap, 0, snapshot.length).set(snapshot);
  return true;
}

/** What audio-decode does with a chunk: keep only the decoded samples, and drop the copy of a mono MPEG stream. */
function trimmed(result: { channelData: Float32Array[]; samplesDecoded?: number; sampleRate: number }, mono: { upmixed: boolean }): DecodedChunk | null {
  const samples = result.samplesDecoded ?? result.channelData[0]?.length ?? 0;
  if (samples === 0 || result.channelData.length === 0) return null;
  let channelData = result.channelData.map((channel) => (channel.length > samples ? channel.subarray(0, samples) : channel));
  // mpg123 always writes two channels; a mono stream comes out twice. Sampled every 37th value, as audio-decode
  // does, and sticky: once the channels differ the stream is stereo and stays so.
  if (mono.upmixed && channelData.length === 2) {
    const [left, right] = channelData as [Float32Array, Float32Array];
    let same = true;
    for (let i = 0; i < left.length; i += 37) {
      if (left[i] !== right[i]) {
        same = false;
        break;
      }
    }
    if (same) channelData = [left];
    else mono.upmixed = false;
  }
  return { channelData, sampleRate: result.sampleRate };
}

/** mpg123-decoder's MPEGDecoder, as @audio/decode-mp3 hands it out (the fields read here are checked at start). */
interface MpegDecoder {
  _common?: { wasm?: WasmHeap };
  _sampleRate: number;
  _inputBytes: number;
  _outputSamples: number;
  _frameNumber: number;
  decode(bytes: Uint8Array): { channelData: Float32Array[]; samplesDecoded: number; sampleRate: number };
  free(): void;
}

async function createMp3Decoder(): Promise<FileDecoder> {
  // Loaded when first needed, as audio-decode loads its codecs: a command that never meets an MP3 never parses it.
  const { decoder } = await import('@audio/decode-mp3');
  const codec = (await decoder()) as unknown as MpegDecoder;
  const wasm = codec._common?.wasm;
  const snapshot = wasm && typeof wasm.malloc === 'function' && typeof wasm.free === 'function' ? snapshotMemory(wasm) : null;
  let mono = { upmixed: true };
  let broken = false;
  return {
    decode(bytes) {
      try {
        return trimmed(codec.decode(bytes), mono);
      } catch (error) {
        broken = true; // a trap can leave the instance's stack pointer anywhere: never reuse it
        throw error;
      }
    },
    finish: () => null,
    recycle() {
      if (broken || !wasm || !snapshot || !restoreMemory(wasm, snapshot)) return false;
      codec._sampleRate = 0;
      codec._inputBytes = 0;
      codec._outputSamples = 0;
      codec._frameNumber = 0;
      mono = { upmixed: true };
      return true;
    },
    free: () => codec.free(),
  };
}

/**
 * @audio/decode-vorbis's decoder recycles itself: a chunk holding a whole Ogg stream (first page marked
 * beginning-of-stream, last page end-of-stream and ending the chunk) is decoded at once, and the next chunk starts
 * from a restored memory image. A file read in one chunk, complete by that rule, leaves the decoder reusable;
 * anything else (a longer file streamed in parts, a chained or truncated stream) does not.
 */
async function createVorbisDecoder(): Promise<FileDecoder> {
  const { decoder } = await import('@audio/decode-vorbis');
  const codec = await decoder();
  let chunks = 0;
  let wholeStream = false;
  let finished = false;
  let broken = false;
  const mono = { upmixed: false };
  return {
    decode(bytes) {
      chunks++;
      wholeStream = chunks === 1 && isWholeOggStream(bytes);
      try {
        return trimmed(codec.decode(bytes) as DecodedChunk, mono);
      } catch (error) {
        broken = true;
        throw error;
      }
    },
    finish() {
      // After a whole stream the decoder holds nothing, and flushing would end it for good.
      if (wholeStream) return null;
      finished = true;
      return trimmed(codec.flush() as DecodedChunk, mono);
    },
    recycle() {
      const reusable = !broken && !finished && (chunks === 0 || (chunks === 1 && wholeStream));
      chunks = 0;
      wholeStream = false;
      return reusable;
    },
    free: () => codec.free(),
  };
}

/**
 * Whether `bytes` is exactly one Ogg stream from its first page to its last: pages back to back from offset 0
 * ("OggS", version 0), the first flagged beginning-of-stream, and the first page flagged end-of-stream ending at the
 * last byte. The same rule the decoder applies before it decodes a chunk whole.
 */
export function isWholeOggStream(bytes: Uint8Array): boolean {
  let offset = 0;
  let first = true;
  while (offset + 27 <= bytes.length) {
    const isPage = bytes[offset] === 0x4f && bytes[offset + 1] === 0x67 && bytes[offset + 2] === 0x67 && bytes[offset + 3] === 0x53;
    if (!isPage || bytes[offset + 4] !== 0) return false;
    const flags = bytes[offset + 5] as number;
    if (first && (flags & 2) === 0) return false;
    const segments = bytes[offset + 26] as number;
    const body = offset + 27 + segments;
    if (body > bytes.length) return false;
    let end = body;
    for (let i = offset + 27; i < body; i++) end += bytes[i] as number;
    if (end > bytes.length) return false;
    if (flags & 4) return end === bytes.length;
    offset = end;
    first = false;
  }
  return false;
}
