import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PeakPyramid } from '../../src-common/audio/peaks';
import type { AudioInfo } from './source';

/**
 * The on-disk form of a file's peaks: "DFPK", a little-endian u32 header length, a JSON header (the file's
 * description and the level sizes), padding to an even offset, then each level's Int16 min/max pairs per channel.
 * Written to a temporary name and renamed, so a reader never sees half a file and a crash leaves no bad cache.
 */
const MAGIC = 'DFPK';
const VERSION = 1;

interface Header {
  version: number;
  info: AudioInfo;
  sampleRate: number;
  frames: number;
  levels: { samplesPerPeak: number; values: number }[];
}

export interface CachedPeaks {
  info: AudioInfo;
  pyramid: PeakPyramid;
}

export async function writePeaksFile(path: string, info: AudioInfo, pyramid: PeakPyramid): Promise<void> {
  const header: Header = {
    version: VERSION,
    info,
    sampleRate: pyramid.sampleRate,
    frames: pyramid.frames,
    levels: pyramid.levels.map((level) => ({ samplesPerPeak: level.samplesPerPeak, values: level.channels[0]?.length ?? 0 })),
  };
  let json = Buffer.from(JSON.stringify(header));
  if ((8 + json.length) % 2) json = Buffer.concat([json, Buffer.from(' ')]);
  const prefix = Buffer.alloc(8);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(json.length, 4);
  const data = pyramid.levels.flatMap((level) => level.channels.map((values) => Buffer.from(values.buffer, values.byteOffset, values.byteLength)));
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, Buffer.concat([prefix, json, ...data]));
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Reads a peaks file, or null when it is missing, from another version, or damaged (it is then recomputed). */
export async function readPeaksFile(path: string): Promise<CachedPeaks | null> {
  const bytes = await readFile(path).catch(() => null);
  if (!bytes || bytes.length < 8 || bytes.toString('latin1', 0, 4) !== MAGIC) return null;
  try {
    const length = bytes.readUInt32LE(4);
    const header = JSON.parse(bytes.toString('utf8', 8, 8 + length)) as Header;
    if (header.version !== VERSION) return null;
    // Copy into a fresh, aligned buffer: Int16Array views need an even byte offset.
    const body = new Uint8Array(bytes.subarray(8 + length)).buffer;
    let offset = 0;
    const channels = header.info.channels;
    const levels = header.levels.map(({ samplesPerPeak, values }) => ({
      samplesPerPeak,
      channels: Array.from({ length: channels }, () => {
        const view = new Int16Array(body, offset, values);
        offset += values * 2;
        return view;
      }),
    }));
    if (offset !== body.byteLength) return null;
    return { info: header.info, pyramid: { sampleRate: header.sampleRate, frames: header.frames, levels } };
  } catch {
    return null;
  }
}
