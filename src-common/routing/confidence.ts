import type { StepEventView } from '../api/inference';

/**
 * Whether the model was sure of an answer, from the per-token confidences the engine streams. An answer's confidence
 * is that of its least confident word token (the tokens before the first end marker): one guessed token makes a
 * guessed answer. The threshold is calibrated per model on an evaluation set (docs/answer-confidence.md) and
 * declared in the manifest's capabilities as `unsure_below`.
 */

/** Used when a manifest declares no calibrated threshold. */
export const DEFAULT_UNSURE_BELOW = 0.5;

const END_MARKER = /^<\|[A-Za-z0-9_]+\|>$/;

export const isEndMarker = (text: string): boolean => END_MARKER.test(text);

/** The final token and confidence at each position of the window (a later commit of a position replaces an earlier one). */
function finalTokens(trace: readonly StepEventView[]): Map<number, { text: string; confidence: number }> {
  const final = new Map<number, { text: string; confidence: number }>();
  for (const step of trace) for (const c of step.committed) final.set(c.position, { text: c.text, confidence: c.confidence });
  return final;
}

/** The least confidence among the answer's word tokens; null when the answer has none (only an end marker). */
export function answerConfidence(trace: readonly StepEventView[]): number | null {
  const final = finalTokens(trace);
  let least: number | null = null;
  for (const position of [...final.keys()].sort((a, b) => a - b)) {
    const token = final.get(position) as { text: string; confidence: number };
    if (isEndMarker(token.text)) break;
    if (token.text.trim() === '') continue;
    least = least === null ? token.confidence : Math.min(least, token.confidence);
  }
  return least;
}

/** An answer with no words: the model committed only end markers. Shown as "No answer", never exported as one. */
export const isNoAnswer = (answerText: string): boolean => answerText.trim() === '';

/** What an answer records of its confidence (Answer.confidence): the least word confidence and the verdict. */
export function confidenceOf(trace: readonly StepEventView[], unsureBelow: number): { least: number | null; unsureBelow: number; unsure: boolean } {
  const least = answerConfidence(trace);
  return { least, unsureBelow, unsure: least !== null && least < unsureBelow };
}
