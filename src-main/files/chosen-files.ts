import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { ApiError } from '../../src-common/api/errors';
import type { AudioFileRef } from '../../src-common/api/schemas';
import { audioMimeType } from './media-types';
import { readHead, sniffAudioContainer } from './sniff';

export interface ChosenFile {
  id: string;
  path: string;
  name: string;
  size: number;
  mime: string;
}

/**
 * The files the user chose in this run (open dialog, drag and drop, `--file`, upload, recent list). Only these are
 * ever read or streamed: every other path is unreachable from the renderer, which knows files only by id.
 */
export class ChosenFiles {
  private readonly byId = new Map<string, ChosenFile>();
  private readonly listeners = new Set<(files: AudioFileRef[]) => void>();

  constructor(private readonly mediaUrl: (id: string) => string) {}

  /** Checks that `path` is a readable audio file and registers it; the same path keeps its id. */
  async add(path: string, displayName?: string): Promise<AudioFileRef> {
    const absolute = resolve(path);
    const existing = [...this.byId.values()].find((file) => file.path === absolute);
    if (existing) return this.ref(existing);
    const info = await stat(absolute).catch((error: NodeJS.ErrnoException) => {
      throw new ApiError('not_found', `Cannot open ${basename(absolute)}: ${error.code === 'ENOENT' ? 'the file does not exist' : error.message}`, {
        path: absolute,
      });
    });
    if (!info.isFile()) throw new ApiError('bad_audio', `Cannot open ${basename(absolute)}: it is not a regular file`, { path: absolute });
    if (info.size === 0) throw new ApiError('bad_audio', `Cannot open ${basename(absolute)}: the file is empty`, { path: absolute });
    const container = sniffAudioContainer(await readHead(absolute));
    if (!container) {
      throw new ApiError(
        'bad_audio',
        `Cannot open ${basename(absolute)}: not an audio format Diffa Studio reads (WAV, AIFF, FLAC, MP3, Ogg, Opus, M4A/AAC, WebM, CAF)`,
        { path: absolute },
      );
    }
    const file: ChosenFile = { id: randomUUID(), path: absolute, name: displayName ?? basename(absolute), size: info.size, mime: audioMimeType(absolute) };
    this.byId.set(file.id, file);
    this.emit();
    return this.ref(file);
  }

  get(id: string): ChosenFile {
    const file = this.byId.get(id);
    if (!file) throw new ApiError('not_found', 'No such open file (it was closed, or never chosen)');
    return file;
  }

  remove(id: string): void {
    if (this.byId.delete(id)) this.emit();
  }

  list(): AudioFileRef[] {
    return [...this.byId.values()].map((file) => this.ref(file));
  }

  onChange(listener: (files: AudioFileRef[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private ref(file: ChosenFile): AudioFileRef {
    return { id: file.id, name: file.name, size: file.size, mime: file.mime, mediaUrl: this.mediaUrl(file.id) };
  }

  private emit(): void {
    const files = this.list();
    for (const listener of this.listeners) listener(files);
  }
}
