import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';

/** One byte range of a file, inclusive, as HTTP Range defines it. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Parses a `Range` header for a file of `size` bytes. Returns null when there is no usable single range (serve the
 * whole file), or 'unsatisfiable' for a range that lies outside the file (answer 416). Multi-range requests are
 * answered with the whole file, which RFC 9110 allows.
 */
export function parseRange(header: string | undefined | null, size: number): ByteRange | 'unsatisfiable' | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, first, last] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

export interface RangeReply {
  status: 200 | 206 | 416;
  headers: Record<string, string>;
  body: Readable | null;
}

/** Status, headers and body stream for serving `path` (of `size` bytes) given a Range header. */
export function rangeReply(path: string, size: number, mime: string, rangeHeader: string | undefined | null): RangeReply {
  const range = parseRange(rangeHeader, size);
  const base = { 'Accept-Ranges': 'bytes', 'Content-Type': mime, 'Cache-Control': 'no-store' };
  if (range === 'unsatisfiable') return { status: 416, headers: { ...base, 'Content-Range': `bytes */${size}` }, body: null };
  if (range === null) {
    return { status: 200, headers: { ...base, 'Content-Length': String(size) }, body: size > 0 ? createReadStream(path) : null };
  }
  return {
    status: 206,
    headers: { ...base, 'Content-Length': String(range.end - range.start + 1), 'Content-Range': `bytes ${range.start}-${range.end}/${size}` },
    body: createReadStream(path, { start: range.start, end: range.end }),
  };
}
