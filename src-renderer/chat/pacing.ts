/**
 * How the live denoising view plays the steps it is sent. The engine never waits for the view: steps are kept as they
 * arrive and the view shows them one by one, each for at least READABLE_STEP_MS, so eight steps that finish in
 * 200 ms can still be watched. Once the answer is complete, the steps not yet shown keep that pace while they fit in
 * CATCH_UP_MS and play faster when they do not (all of them within CATCH_UP_MS), so a long answer is not held back. 'immediate' (the "as fast as they come" setting) and
 * reduced motion show every step the moment it arrives.
 */
export const READABLE_STEP_MS = 120;
export const CATCH_UP_MS = 1500;

export type StepPace = 'readable' | 'immediate';

/**
 * How long to wait before showing the next step, or null when there is none to show. `shown` steps are on screen,
 * `received` have arrived, the last was put on screen `sinceShownMs` ago; `complete` once the answer has ended.
 */
export function nextStepDelay(shown: number, received: number, sinceShownMs: number, complete: boolean, pace: StepPace): number | null {
  if (shown >= received) return null;
  if (pace === 'immediate' || shown === 0) return 0;
  const hold = complete ? Math.min(READABLE_STEP_MS, CATCH_UP_MS / (received - shown)) : READABLE_STEP_MS;
  return Math.max(0, hold - sinceShownMs);
}
