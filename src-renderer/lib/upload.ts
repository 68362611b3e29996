import { ApiError, ApiErrorSchema } from '../../src-common/api/errors';
import { type AudioFileRef, AudioFileRefSchema } from '../../src-common/api/schemas';

/**
 * Uploads a file the user picked or dropped into the headless host's workspace (`POST /upload`); the page's cookie
 * authenticates it. Resolves to the opened file, or throws the host's error (e.g. "Cannot open x.txt: not an audio
 * format …").
 */
export async function uploadFile(file: File, fetchImpl: typeof fetch = fetch): Promise<AudioFileRef> {
  let response: Response;
  try {
    response = await fetchImpl(`/upload?name=${encodeURIComponent(file.name)}`, {
      method: 'POST',
      body: file,
      headers: { 'Content-Type': 'application/octet-stream' },
    });
  } catch {
    throw new ApiError('io_error', `Cannot upload ${file.name}: the host is not reachable`);
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const parsed = ApiErrorSchema.safeParse((body as { error?: unknown } | null)?.error);
    if (parsed.success) throw ApiError.from(parsed.data);
    throw new ApiError('io_error', `Cannot upload ${file.name}: the host answered HTTP ${response.status}`);
  }
  const ref = AudioFileRefSchema.safeParse(body);
  if (!ref.success) throw new ApiError('internal', `Cannot upload ${file.name}: the host's reply does not fit the API contract`);
  return ref.data;
}
