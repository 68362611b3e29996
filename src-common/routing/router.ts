import type { Capabilities, TaskSpec } from './capabilities';
import { MEASURED_KINDS, type Measure, NOT_A_QUESTION_ABOUT_THE_SOUND, TRAINED_KINDS } from './question-kinds';
import { latinShare, normaliseForRouting } from './question-text';

/**
 * The one place that decides how a question is answered (docs/question-routing.md): by the model it was trained for
 * (`trained`), from the app's own measurement of the region (`measured`), or not at all unless the user asks anyway
 * (`outside`). Pure: the chat, `ask`, `batch`, ask-per-tier and `eval` all call it with the model's capabilities.
 */
export type RouteName = 'trained' | 'measured' | 'outside';

export type OutsideReason = 'untrained-kind' | 'not-a-question' | 'other-script' | 'unknown';

export type RouteDecision =
  /** `task` is the trained task's id, or null for an open question to a model that takes them. */
  { route: 'trained'; task: string | null } | { route: 'measured'; measure: Measure } | { route: 'outside'; reason: OutsideReason; suggestions: string[] };

/** Measured questions offered beside a model's own when a question is outside its training. */
export const MEASURED_SUGGESTIONS = ['Is it clipped?', 'How loud is it?'];

export interface RoutingModel {
  capabilities: Capabilities;
  tasks: readonly TaskSpec[];
}

const firstMatch = <K extends string>(text: string, kinds: { kind: K; match: RegExp; unless?: RegExp }[]): K | null =>
  kinds.find((k) => k.match.test(text) && !k.unless?.test(text))?.kind ?? null;

/** Words that carry no topic: "How many speakers are there?" shares all of them with "How many beeps are there?". */
const FUNCTION_WORDS = new Set(
  'how many much what which who whom whose when where why is are was were be been does did do the this that these those there here it its of in on at to for from with and or not any some you your can could would should will a an me my please tell'.split(
    ' ',
  ),
);
const words = (text: string): Set<string> => new Set(text.split(' ').filter((w) => w.length > 1 && !FUNCTION_WORDS.has(w)));

/** A task the router has no pattern for (a future model's) still matches a question close to the one it lists. */
function closestListedTask(text: string, tasks: readonly TaskSpec[]): string | null {
  const asked = words(text);
  let best: { task: string; score: number } | null = null;
  for (const t of tasks) {
    const listed = words(normaliseForRouting(t.question));
    const shared = [...asked].filter((w) => listed.has(w)).length;
    const score = shared / (asked.size + listed.size - shared || 1);
    if (!best || score > best.score) best = { task: t.task, score };
  }
  return best && best.score >= 0.6 ? best.task : null;
}

export function suggestionsFor(model: RoutingModel): string[] {
  const trained = model.tasks.filter((t) => model.capabilities.trained_tasks.includes(t.task)).map((t) => t.question);
  return [...trained, ...MEASURED_SUGGESTIONS];
}

export function routeQuestion(question: string, model: RoutingModel): RouteDecision {
  const { capabilities } = model;
  const open = capabilities.open_questions;
  const outside = (reason: OutsideReason): RouteDecision =>
    open ? { route: 'trained', task: null } : { route: 'outside', reason, suggestions: suggestionsFor(model) };

  // The patterns are English; a question in another script goes to a model that takes open questions, and is
  // outside the training of one that does not (DIFFA-Tiny was taught English questions only).
  if (latinShare(question) < 0.5) return outside('other-script');
  const text = normaliseForRouting(question);
  if (text.trim() === '') return outside('unknown');
  if (NOT_A_QUESTION_ABOUT_THE_SOUND.some((pattern) => pattern.test(text))) return outside('not-a-question');

  const measure = firstMatch(text, MEASURED_KINDS);
  if (measure) return { route: 'measured', measure };

  const trained = new Set(capabilities.trained_tasks);
  const kind = firstMatch(text, TRAINED_KINDS) ?? closestListedTask(text, model.tasks);
  if (kind && trained.has(kind)) return { route: 'trained', task: kind };
  return outside(kind ? 'untrained-kind' : 'unknown');
}
