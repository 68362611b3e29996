import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { detectImportFormat, type ImportFormat, readAnnotation } from '../../src-common/interchange/formats';
import type { Annotation } from '../../src-common/interchange/tiers';

/** Text of an annotation file: UTF-8, or UTF-16 when a byte-order mark says so (Praat writes UTF-16 for non-ASCII). */
export function decodeAnnotationBytes(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  return new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');
}

/** Reads a TextGrid, EAF or Audacity label file from disk; the format comes from the name, else the content. */
export async function readAnnotationFile(path: string, format?: ImportFormat): Promise<Annotation> {
  const text = decodeAnnotationBytes(await readFile(path));
  const detected = format ?? detectImportFormat(path, text);
  if (!detected) throw new Error(`${basename(path)} is not a TextGrid, EAF or Audacity label file`);
  return readAnnotation(detected, text, basename(path));
}
