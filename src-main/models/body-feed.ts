import type { Readable } from 'node:stream';
import type { ApiError } from '../../src-common/api/errors';
import type { Attempt } from './attempt';
import type { BlockSink } from './block-sink';

/**
 * Feeds a response body into a block sink, chunk by chunk, pausing the body while the sink's writes catch up.
 * `take` counts a chunk's bytes, or returns the error that refuses it (more bytes than asked for): the body is then
 * destroyed with that error, which is also kept (`refused`) because a body that had already ended would otherwise
 * finish cleanly. Used through 'data' events rather than async iteration: iteration makes the stream concatenate
 * its buffered chunks (a copy of every byte) and costs a promise per chunk.
 */
export function bodyFeed(body: Readable, into: BlockSink, attempt: Attempt, take: (bytes: number) => ApiError | undefined, onBytes?: (bytes: number) => void) {
  let refused: ApiError | undefined;
  let waitingForSink = false;
  const receive = (chunk: Buffer): void => {
    attempt.touch();
    if (refused) return;
    refused = take(chunk.length);
    if (refused) return void body.destroy(refused);
    onBytes?.(chunk.length);
    try {
      if (into.push(chunk) || waitingForSink) return;
    } catch (error) {
      return void body.destroy(error as Error);
    }
    waitingForSink = true;
    body.pause();
    into.ready().then(
      () => {
        waitingForSink = false;
        body.resume();
      },
      (error: Error) => body.destroy(error),
    );
  };
  return {
    receive,
    /** The sink is still writing: the body stays paused until it has caught up. */
    get waitingForSink() {
      return waitingForSink;
    },
    get refused() {
      return refused;
    },
  };
}
