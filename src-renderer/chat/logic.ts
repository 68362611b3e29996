import type { StepEventView } from '../../src-common/api/inference';
import type { Exchange, Region } from '../../src-common/api/library';
import { type DecodingDefaults, type FullDecoding, resolveDecoding } from '../../src-common/decoding/defaults';
import { formatSeconds } from '../lib/format';

/**
 * The chat's logic that needs no DOM: slots of the generation window at any step of a trace, confidence bands,
 * decoding presets and their checks, the evidence keywords. Tested in Node (e2e/chat-logic.spec.ts).
 */

export type Preset = 'faithful' | 'fast';
export type { FullDecoding } from '../../src-common/decoding/defaults';
export { decodingProblem } from '../../src-common/decoding/defaults';
export { relevantDecoding } from '../../src-common/decoding/options';
export type Alternative = StepEventView['committed'][number]['alternatives'][number];

export interface Slot {
  position: number;
  /** masked: not decided yet; committed: decided at `step`; kept: carried over from the answer a re-denoise started from. */
  state: 'masked' | 'committed' | 'kept';
  text: string;
  token: number | null;
  confidence: number | null;
  /** The step that committed it (0 for kept tokens). */
  step: number;
  alternatives: Alternative[];
  /** Committed at the step shown. */
  newest: boolean;
  /** An end-of-text marker (or anything after one): not part of the answer's words. */
  special: boolean;
}

const SPECIAL = /^<\|[A-Za-z0-9_]+\|>$/;

export function isSpecialToken(text: string): boolean {
  return SPECIAL.test(text);
}

/** How a token reads in a slot: end markers as a symbol, empty pieces as a middle dot. */
export function displayToken(text: string): string {
  if (isSpecialToken(text)) return '∎';
  return text.trim() === '' ? '·' : text;
}

/** Number of positions in the window: the decoding's gen length, else what the first step tells (committed + masked). */
export function windowLength(trace: readonly StepEventView[], genLength: number | undefined, kept = 0): number {
  if (genLength) return genLength;
  const first = trace[0];
  let max = 0;
  for (const step of trace) for (const c of step.committed) max = Math.max(max, c.position + 1);
  return Math.max(max, first ? first.committed.length + first.masked + kept : 0);
}

/**
 * The window as it stood after `upTo` steps (0: before the first forward pass). `kept` maps positions a re-denoise
 * kept from the earlier answer to their text and token.
 */
export function slotsAt(
  trace: readonly StepEventView[],
  length: number,
  upTo: number,
  kept: ReadonlyMap<number, { text: string; token: number; confidence: number }> = new Map(),
): Slot[] {
  const slots: Slot[] = Array.from({ length }, (_, position) => {
    const k = kept.get(position);
    return k
      ? {
          position,
          state: 'kept',
          text: k.text,
          token: k.token,
          confidence: k.confidence,
          step: 0,
          alternatives: [],
          newest: false,
          special: isSpecialToken(k.text),
        }
      : { position, state: 'masked', text: '', token: null, confidence: null, step: 0, alternatives: [], newest: false, special: false };
  });
  for (const event of trace) {
    if (event.step > upTo) break;
    for (const c of event.committed) {
      const slot = slots[c.position];
      if (!slot) continue;
      slot.state = 'committed';
      slot.text = c.text;
      slot.token = c.token;
      slot.confidence = c.confidence;
      slot.step = event.step;
      slot.alternatives = c.alternatives;
      slot.newest = event.step === upTo;
      slot.special = isSpecialToken(c.text);
    }
  }
  // Everything after the first end marker is padding, whatever it holds.
  const end = slots.findIndex((s) => s.state !== 'masked' && s.special);
  if (end >= 0) for (const slot of slots.slice(end)) if (slot.state !== 'masked') slot.special = true;
  return slots;
}

export type Band = 'high' | 'medium' | 'low';

/** Three bands, so colour, underline weight and opacity can say the same thing. */
export function confidenceBand(confidence: number): Band {
  if (confidence >= 0.8) return 'high';
  if (confidence >= 0.5) return 'medium';
  return 'low';
}

export function percent(p: number): string {
  if (p >= 0.9995) return '100%';
  if (p > 0 && p < 0.001) return '<0.1%';
  return `${(p * 100).toFixed(p >= 0.1 ? 0 : 1)}%`;
}

export interface StepStats {
  steps: number;
  /** Forward passes per second, from the steps' own wall times. */
  stepsPerSecond: number | null;
  /** Tokens committed by the last step, and on average. */
  lastCommitted: number;
  meanCommitted: number;
  masked: number | null;
}

export function stepStats(trace: readonly StepEventView[], upTo = trace.length): StepStats {
  const shown = trace.filter((s) => s.step <= upTo);
  const last = shown.at(-1);
  const ms = shown.reduce((sum, s) => sum + s.ms, 0);
  const committed = shown.reduce((sum, s) => sum + s.committed.length, 0);
  return {
    steps: last?.step ?? 0,
    stepsPerSecond: shown.length && ms > 0 ? (shown.length * 1000) / ms : null,
    lastCommitted: last?.committed.length ?? 0,
    meanCommitted: shown.length ? committed / shown.length : 0,
    masked: last ? last.masked : null,
  };
}

/**
 * The decoding a question will use: the preset over the model's defaults, then the question's own changes (the
 * block-length rule is the engine's own, from src-common/decoding).
 */
export function presetDecoding(preset: Preset, defaults: DecodingDefaults, overrides: Partial<FullDecoding> = {}): FullDecoding {
  const resolved = resolveDecoding(defaults, overrides);
  if (preset === 'fast') return resolved;
  // Faithful: LLaDA's low-confidence remasking, one token per step (steps = gen length, any block length).
  return { ...resolved, sampler: overrides.sampler ?? 'low-confidence', steps: overrides.steps ?? resolved.genLength };
}

/** Questions about level, clipping or loudness get the region's measured facts beside the answer. */
export const EVIDENCE_WORDS = /\b(level|levels|loud\w*|clip\w*|peak\w*|quiet\w*|volume|lufs|distort\w*)\b/i;

export function wantsEvidence(question: string): boolean {
  return EVIDENCE_WORDS.test(question);
}

/** A region's number: the one it was given (stable across deletes), else its place in an old library's list. */
export function regionNumber(region: Region, regions: readonly Region[]): number {
  return region.number ?? regions.indexOf(region) + 1;
}

/** The number the next region gets: never one a region of this file had before (a deleted one can be undone). */
export function nextRegionNumber(regions: readonly Region[], handedOut = 0): number {
  return regions.reduce((highest, region, index) => Math.max(highest, region.number ?? index + 1), handedOut) + 1;
}

/** A region's name as chips show it: its label, else "Region n" by its number. */
export function regionName(region: Region | undefined, regions: readonly Region[]): string {
  if (!region) return 'Whole file';
  if (region.label.trim()) return region.label.trim();
  return `Region ${regionNumber(region, regions)}`;
}

/** The chip of an exchange: the region it asked about as it is now, or the span it had when asked. */
export function chipFor(exchange: Pick<Exchange, 'regionId' | 'span'>, regions: readonly Region[]): { name: string; span: string; exists: boolean } {
  if (exchange.regionId === null) return { name: 'Whole file', span: '', exists: true };
  const region = regions.find((r) => r.id === exchange.regionId);
  const start = region?.start ?? exchange.span.start;
  const end = region?.end ?? exchange.span.end;
  return {
    name: region ? regionName(region, regions) : 'Deleted region',
    span: `${formatSeconds(start)}–${end === null ? 'end' : formatSeconds(end)}`,
    exists: Boolean(region),
  };
}

/** Confidence of every committed position of a finished trace (what re-denoise compares with its threshold). */
export function confidences(trace: readonly StepEventView[]): Map<number, number> {
  const map = new Map<number, number>();
  for (const step of trace) for (const c of step.committed) map.set(c.position, c.confidence);
  return map;
}

/** How many of an answer's tokens a re-denoise at `threshold` would redo. */
export function lowConfidenceCount(trace: readonly StepEventView[], threshold: number): number {
  let n = 0;
  for (const c of confidences(trace).values()) if (c < threshold) n++;
  return n;
}

/** Positions a re-denoise kept from the answer it started from: those not committed again in its own trace. */
export function keptFrom(
  original: Exchange | undefined,
  redo: readonly StepEventView[],
  threshold: number | null,
): Map<number, { text: string; token: number; confidence: number }> {
  const kept = new Map<number, { text: string; token: number; confidence: number }>();
  if (!original?.answer) return kept;
  const redone = new Set<number>();
  for (const step of redo) for (const c of step.committed) redone.add(c.position);
  const final = slotsAt(original.trace, original.answer.genLength, Number.POSITIVE_INFINITY);
  for (const slot of final) {
    if (slot.state !== 'committed' || slot.token === null || slot.confidence === null) continue;
    const redoing = threshold === null ? redone.has(slot.position) : slot.confidence < threshold;
    if (!redoing) kept.set(slot.position, { text: slot.text, token: slot.token, confidence: slot.confidence });
  }
  return kept;
}

/**
 * Decoding for "Retry with more steps" after an answer that was only an end marker: the low-confidence sampler with
 * at least one step per position and at least twice the steps it had, so no step commits a whole window at once.
 */
export function retryDecoding(genLength: number, steps: number | undefined): { sampler: 'low-confidence'; steps: number } {
  // A multiple of the gen length is a multiple of the block count, which the low-confidence sampler needs.
  const multiple = Math.max(1, Math.ceil((2 * (steps ?? 0)) / genLength));
  return { sampler: 'low-confidence', steps: Math.min(Math.floor(4096 / genLength), multiple) * genLength };
}
