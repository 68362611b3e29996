import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { decodeRegion } from '../../audio/decode';
import { openAudio } from '../../audio/open-audio';
import { readHead, sniffAudioContainer } from '../../files/sniff';
import { errorData, type GuardedReply } from '../fuzz-support';

/** Fuzz worker: opens and decodes (at most the first half second of) one file, the way the app's front door does. */
export interface DecodeJob {
  path: string;
}
export interface DecodeResult {
  container: string | null;
  codec: string;
  sampleRate: number;
  channels: number;
  decodedFrames: number;
}

async function decode({ path }: DecodeJob): Promise<DecodeResult> {
  const container = sniffAudioContainer(await readHead(path, 64));
  // the sniffer must agree with itself on a longer head, and never throw
  sniffAudioContainer(new Uint8Array(await readFile(path)).subarray(0, 4096));
  const source = await openAudio(path);
  const audio = await decodeRegion(path, { start: 0, end: 0.5 });
  const decodedFrames = audio.channels[0]?.length ?? 0;
  for (const channel of audio.channels) if (channel.length !== decodedFrames) throw new Error('channels of different lengths');
  return { container, codec: source.info.codec, sampleRate: source.info.sampleRate, channels: source.info.channels, decodedFrames };
}

parentPort?.on('message', async ({ id, job }: { id: number; job: DecodeJob }) => {
  let reply: GuardedReply<DecodeResult>;
  try {
    reply = { ok: true, result: await decode(job) };
  } catch (error) {
    reply = { ok: false, error: errorData(error) };
  }
  parentPort?.postMessage({ id, reply });
});
parentPort?.postMessage({ ready: true });
