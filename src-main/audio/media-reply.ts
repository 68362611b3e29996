import type { ChosenFile } from '../files/chosen-files';
import { type RangeReply, rangeReply } from '../files/range';
import { readHead, sniffAudioContainer } from '../files/sniff';
import { openAudio } from './open-audio';
import { decodedWavReply } from './wav-stream';

/** Containers Chromium's `<audio>` does not play (it has no AIFF or CAF demuxer): served as decoded WAV instead. */
const NOT_PLAYABLE_IN_BROWSER = new Set(['aiff', 'caf']);

/**
 * What `/media/<id>` (headless host) and `diffa-media://file/<id>` (Electron) answer: the file's own bytes with
 * Range semantics, or, for a container the page cannot play, the app's decode of it as WAV. The container is sniffed
 * from the bytes, as everywhere else, not taken from the extension.
 */
export async function mediaReply(file: ChosenFile, rangeHeader: string | undefined | null): Promise<RangeReply> {
  const container = sniffAudioContainer(await readHead(file.path));
  if (container && NOT_PLAYABLE_IN_BROWSER.has(container)) return decodedWavReply(await openAudio(file.path), rangeHeader);
  return rangeReply(file.path, file.size, file.mime, rangeHeader);
}
