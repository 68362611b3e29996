/** What the guard writes before the details, so logs (and the fuzz tests) can find every escape. */
export const ESCAPE_LOG_PREFIX = 'Diffa Studio host: an error escaped its handler';

/**
 * The last line of defence of the headless host: an exception or rejection that no handler caught is logged (with its
 * stack, for a bug report) and the host keeps serving, instead of one bad request stopping it for everyone. Every
 * request path is meant to answer malformed input itself; reaching this is a bug, hence the loud log.
 * Returns a function that removes the guard.
 */
export function keepServingOnEscape(log: (line: string) => void = (line) => console.error(line)): () => void {
  const details = (error: unknown) => (error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error));
  const onException = (error: unknown, origin: string) => log(`${ESCAPE_LOG_PREFIX} (${origin}): ${details(error)}`);
  const onRejection = (reason: unknown) => log(`${ESCAPE_LOG_PREFIX} (unhandledRejection): ${details(reason)}`);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
