import type { McqFormat, McqItem } from './mcq-formats';
import { choiceLetter } from './mcq-prompt';

/**
 * Word tokens as the MMAU scorer sees them: lower-cased runs of letters, digits and underscores (Python's `\w`,
 * which is Unicode-aware), as a set — order and repetition do not count.
 */
export function wordTokens(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []);
}

/**
 * MMAU's rule (also MMAR's and DIFFA's copy of it): the output names `answer` when it holds every word of `answer`
 * and no word of the other choices that `answer` does not have. A choice with exactly the answer's words is not
 * "another" choice. An output without words names nothing.
 */
export function namesChoice(answer: string, output: string, choices: readonly string[]): boolean {
  const said = wordTokens(output);
  if (said.size === 0) return false;
  const wanted = wordTokens(answer);
  const sameWords = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((w) => b.has(w));
  for (const choice of choices) {
    const other = wordTokens(choice);
    if (sameWords(other, wanted)) continue;
    for (const word of other) if (!wanted.has(word) && said.has(word)) return false;
  }
  return [...wanted].every((word) => said.has(word));
}

/**
 * DIFFA's MMSU rule: the ends trimmed and newlines removed, the output's first character when it is A–D, else its
 * second-to-last ("The answer is B."), else no letter.
 */
export function mmsuLetter(output: string): string | null {
  const text = output.trim().replaceAll('\n', '');
  const isLetter = (c: string | undefined) => c !== undefined && 'ABCD'.includes(c) && c.length === 1;
  if (isLetter(text[0])) return text[0] as string;
  if (text.length > 1 && isLetter(text[text.length - 2])) return text[text.length - 2] as string;
  return null;
}

export interface McqJudgement {
  correct: boolean;
  /** The letter of the choice the output was matched to, or null when it matched none (or, MMAU's rule, several). */
  chosen: string | null;
  /** The output had no text at all (MMSU's own scorer counts these, but not other unmatched outputs). */
  empty: boolean;
}

/**
 * Scores one output as the benchmark's scorer does. An output that matches no choice is wrong and stays in the count.
 * MMAU/MMAR: right when it names the answer (`namesChoice`), which also holds for an answer that is not word for word
 * one of the choices. MMSU: right when its letter's choice is exactly the answer's text.
 */
export function judgeOutput(format: McqFormat, item: Pick<McqItem, 'choices' | 'answer'>, output: string): McqJudgement {
  const empty = output.trim() === '';
  if (format === 'mmsu') {
    const chosen = mmsuLetter(output);
    const index = chosen === null ? -1 : chosen.charCodeAt(0) - 65;
    return { chosen, correct: index >= 0 && item.choices[index] === item.answer, empty };
  }
  const named = item.choices.flatMap((choice, i) => (namesChoice(choice, output, item.choices) ? [choiceLetter(i)] : []));
  return { chosen: named.length === 1 ? (named[0] as string) : null, correct: namesChoice(item.answer, output, item.choices), empty };
}

export interface Tally {
  n: number;
  correct: number;
  accuracy: number;
  /** Outputs matched to no choice (counted wrong), of which `empty` had no text. */
  unmatched: number;
  empty: number;
}

export interface McqScore {
  overall: Tally;
  /** Grouping → group → tally, e.g. groups.task.sound. */
  groups: Record<string, Record<string, Tally>>;
}

const emptyTally = (): Tally => ({ n: 0, correct: 0, accuracy: 0, unmatched: 0, empty: 0 });
const add = (tally: Tally, judgement: McqJudgement) => {
  tally.n++;
  if (judgement.correct) tally.correct++;
  if (judgement.chosen === null) tally.unmatched++;
  if (judgement.empty) tally.empty++;
  tally.accuracy = tally.correct / tally.n;
};

/** Accuracy over the scored items, overall and per group (groups in the order first seen). */
export function scoreMcq(results: readonly { groups: Record<string, string>; judgement: McqJudgement }[]): McqScore {
  const overall = emptyTally();
  const groups: McqScore['groups'] = {};
  for (const { groups: itemGroups, judgement } of results) {
    add(overall, judgement);
    for (const [grouping, group] of Object.entries(itemGroups)) {
      groups[grouping] ??= {};
      const byGroup = groups[grouping] as Record<string, Tally>;
      byGroup[group] ??= emptyTally();
      add(byGroup[group] as Tally, judgement);
    }
  }
  return { overall, groups };
}
