import { extname } from 'node:path';

const AUDIO_TYPES: Record<string, string> = {
  '.wav': 'audio/wav',
  '.wave': 'audio/wav',
  '.bwf': 'audio/wav',
  '.aif': 'audio/aiff',
  '.aiff': 'audio/aiff',
  '.aifc': 'audio/aiff',
  '.flac': 'audio/flac',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.oga': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.m4a': 'audio/mp4',
  '.mp4': 'audio/mp4',
  '.aac': 'audio/aac',
  '.webm': 'audio/webm',
  '.caf': 'audio/x-caf',
};

/** The extensions the open dialog offers and the file associations register. */
export const AUDIO_EXTENSIONS = Object.keys(AUDIO_TYPES).map((ext) => ext.slice(1));

export function audioMimeType(path: string): string {
  return AUDIO_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}
