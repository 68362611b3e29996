/** Delay before reconnect attempt `attempt` (1-based): doubling from `initialMs` up to `maxMs`, with ±20% jitter. */
export function backoffDelay(attempt: number, initialMs = 500, maxMs = 10_000, random = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}
