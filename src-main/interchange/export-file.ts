import { basename, dirname, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Exchange, Region } from '../../src-common/api/library';
import type { ExportSource } from '../../src-common/interchange/export-source';
import { openAudio } from '../audio/open-audio';
import { audioMimeType } from '../files/media-types';

/** The audio's length from its header; 0 when only decoding it all would tell (the exporters then use answer ends). */
export async function audioDuration(path: string): Promise<number> {
  try {
    const { info } = await openAudio(path);
    return info.frames === null ? 0 : info.frames / info.sampleRate;
  } catch {
    return 0;
  }
}

/** Everything an exporter needs about one audio file on disk, with its media linked relative to `outputPath`. */
export async function exportSourceFor(audioPath: string, regions: Region[], exchanges: Exchange[], outputPath?: string): Promise<ExportSource> {
  const relativeMedia = outputPath ? relative(dirname(outputPath), audioPath).split(/[\\/]/).map(encodeURIComponent).join('/') : undefined;
  return {
    fileName: basename(audioPath),
    duration: await audioDuration(audioPath),
    regions,
    exchanges,
    mediaUrl: pathToFileURL(audioPath).href,
    relativeMediaUrl: relativeMedia ? (relativeMedia.startsWith('.') ? relativeMedia : `./${relativeMedia}`) : undefined,
    mimeType: elanMimeType(audioPath),
  };
}

/** ELAN's own MIME names for the common cases (it writes audio/x-wav), the usual ones otherwise. */
function elanMimeType(path: string): string {
  const type = audioMimeType(path);
  return type === 'audio/wav' ? 'audio/x-wav' : type;
}
