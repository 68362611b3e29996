import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ApiError } from '../../src-common/api/errors';

/** Largest file the page may upload into the host's workspace. */
export const MAX_UPLOAD_BYTES = 8 * 1024 ** 3;

/** Longest upload name kept, in UTF-8 bytes (file systems allow 255 bytes per name). */
const MAX_NAME_BYTES = 200;

/** The longest start of `text` that fits in `max` UTF-8 bytes, cut between code points. */
function utf8Prefix(text: string, max: number): string {
  let out = '';
  let bytes = 0;
  for (const char of text) {
    bytes += Buffer.byteLength(char);
    if (bytes > max) break;
    out += char;
  }
  return out;
}

/** A name safe to use as a file name on every platform, keeping the extension the decoder looks at. */
export function safeFileName(name: string): string {
  const plain = basename(name.replace(/\\/g, '/'))
    .replace(/[^\p{L}\p{N}._ -]/gu, '_')
    .replace(/^\.+/, '')
    .replace(/[. ]+$/, ''); // Windows drops trailing dots and spaces
  const dot = plain.lastIndexOf('.');
  const extension = dot > 0 && plain.length - dot <= 8 ? plain.slice(dot) : '';
  const stem = utf8Prefix(plain.slice(0, plain.length - extension.length), MAX_NAME_BYTES - Buffer.byteLength(extension));
  const cleaned = (stem + extension).replace(/[. ]+$/, '');
  // Windows device names (CON, NUL, COM1, …) stay devices even with an extension
  return /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(cleaned) ? `_${cleaned}` : cleaned || 'audio';
}

/**
 * Streams a request body into `<uploads>/<uuid>/<name>`. On any failure (client gone, disk full, too large) the
 * partial file is removed and a clear error thrown: nothing half-written is left for the library to pick up.
 */
export async function receiveUpload(req: IncomingMessage, uploadsDir: string, name: string): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > MAX_UPLOAD_BYTES)
    throw new ApiError('bad_request', `File too large to upload (limit ${MAX_UPLOAD_BYTES / 1024 ** 3} GiB)`);
  const dir = join(uploadsDir, randomUUID());
  await mkdir(dir, { recursive: true });
  const target = join(dir, safeFileName(name));
  let received = 0;
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > MAX_UPLOAD_BYTES) req.destroy(new ApiError('bad_request', 'File too large to upload'));
  });
  try {
    await pipeline(req, createWriteStream(target, { flags: 'wx' }));
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    if ((error as NodeJS.ErrnoException).code === 'ENOSPC') throw new ApiError('io_error', 'The disk is full: the upload was discarded');
    throw ApiError.wrap(error, 'io_error');
  }
  return target;
}

export async function discardUpload(path: string): Promise<void> {
  await rm(join(path, '..'), { recursive: true, force: true });
}
