/**
 * Sure vs unsure accuracy of an eval run, and the threshold that separates them best: the one with the highest
 * Youden's J for flagging wrong answers (share of wrong answers flagged unsure minus share of right ones flagged).
 */
export interface ScoredAnswer {
  correct: boolean;
  /** The answer's least confident word token; null for an answer with no words. */
  confidence: number | null;
}

export interface ConfidenceSplit {
  unsure_below: number;
  sure: { n: number; correct: number; accuracy: number | null };
  unsure: { n: number; correct: number; accuracy: number | null };
  no_answer: number;
}

const share = (correct: number, n: number) => (n ? correct / n : null);

export function splitByConfidence(answers: readonly ScoredAnswer[], unsureBelow: number): ConfidenceSplit {
  const worded = answers.filter((a) => a.confidence !== null);
  const sure = worded.filter((a) => (a.confidence as number) >= unsureBelow);
  const unsure = worded.filter((a) => (a.confidence as number) < unsureBelow);
  const count = (list: ScoredAnswer[]) => list.filter((a) => a.correct).length;
  return {
    unsure_below: unsureBelow,
    sure: { n: sure.length, correct: count(sure), accuracy: share(count(sure), sure.length) },
    unsure: { n: unsure.length, correct: count(unsure), accuracy: share(count(unsure), unsure.length) },
    no_answer: answers.length - worded.length,
  };
}

/** Candidate thresholds midway between neighbouring confidences; the best by Youden's J (ties: the lower one). */
export function calibrateThreshold(answers: readonly ScoredAnswer[]): { threshold: number; j: number } | null {
  const worded = answers.filter((a): a is { correct: boolean; confidence: number } => a.confidence !== null);
  const wrong = worded.filter((a) => !a.correct).length;
  const right = worded.length - wrong;
  if (wrong === 0 || right === 0) return null;
  const values = [...new Set(worded.map((a) => a.confidence))].sort((a, b) => a - b);
  let best: { threshold: number; j: number } | null = null;
  for (let i = 0; i < values.length; i++) {
    const threshold = i + 1 < values.length ? ((values[i] as number) + (values[i + 1] as number)) / 2 : (values[i] as number) + 1e-6;
    const flaggedWrong = worded.filter((a) => !a.correct && a.confidence < threshold).length / wrong;
    const flaggedRight = worded.filter((a) => a.correct && a.confidence < threshold).length / right;
    const j = flaggedWrong - flaggedRight;
    if (!best || j > best.j + 1e-12) best = { threshold: Number(threshold.toFixed(4)), j };
  }
  return best;
}
