import type { Exchange, Region } from '../api/library';
import { isNoAnswer } from '../routing/confidence';
import { flattenAnswers, questionKey } from './answer-tier';
import { type Annotation, laneTiers, type Tier, type TierItem, tierName, uniqueNames } from './tiers';

/** What every exporter needs about one audio file: its regions, its exchanges, and where the media is. */
export interface ExportSource {
  fileName: string;
  /** Length of the audio in seconds; 0 when unknown (then the latest region or answer end is used). */
  duration: number;
  regions: Region[];
  exchanges: Exchange[];
  /** Absolute `file://` URL of the media, for formats that link it (ELAN). */
  mediaUrl?: string;
  /** The media relative to the exported file (ELAN's fallback when the absolute URL moved). */
  relativeMediaUrl?: string;
  mimeType?: string;
  /** Answers that are only an end marker: left out (default) or exported as "[no answer]" — never as an answer. */
  emptyAnswers?: EmptyAnswers;
}

export type EmptyAnswers = 'skip' | 'mark';
export const NO_ANSWER_TEXT = '[no answer]';
export const MEASURED_MARK = '[measured]';
export const OUTSIDE_MARK = '[outside training]';

const isEmptyModelAnswer = (e: Exchange) => e.answer !== null && isNoAnswer(e.answer.answer);

/**
 * The text an export gives an exchange: the model's answer, the app's measured answer marked as measured, an answer
 * to a question outside the model's training marked as such, "[no answer]" for an end marker when the user wants it
 * marked; null when the exchange has nothing to export.
 */
export function exportedAnswer(e: Exchange, emptyAnswers: EmptyAnswers = 'skip'): string | null {
  if (e.status !== 'done') return null;
  if (e.route === 'measured') return e.measured ? `${e.measured.text} ${MEASURED_MARK}` : null;
  if (!e.answer) return null;
  if (isEmptyModelAnswer(e)) return emptyAnswers === 'mark' ? NO_ANSWER_TEXT : null;
  return e.askedAnyway ? `${e.answer.answer} ${OUTSIDE_MARK}` : e.answer.answer;
}

/** Tiers holding answers are named after the question with this prefix, so an import can tell them from regions. */
export const ANSWER_TIER_PREFIX = 'Q: ';
export const DEFAULT_GROUP = 'regions';

/** A point region: Praat point tiers and Audacity point labels. */
export const isPoint = (r: { start: number; end: number }) => r.end - r.start < 1e-9;

/** Where an exchange was asked: its saved span, the answer's measured end for whole-file questions, else the file. */
export function exchangeSpan(exchange: Exchange, duration: number): { start: number; end: number } {
  const end = exchange.span.end ?? exchange.answer?.region.end ?? duration;
  return { start: exchange.span.start, end };
}

/** Exchanges that belong in annotation tiers: finished with something to export (see exportedAnswer). */
export function answeredExchanges(source: ExportSource): Exchange[] {
  return source.exchanges.filter((e) => exportedAnswer(e, source.emptyAnswers) !== null);
}

export function sourceDuration(source: ExportSource): number {
  let end = source.duration;
  for (const r of source.regions) end = Math.max(end, r.end);
  for (const e of answeredExchanges(source)) end = Math.max(end, exchangeSpan(e, 0).end);
  return end;
}

const regionItem = (r: Region): TierItem => ({
  start: r.start,
  end: r.end,
  text: r.label,
  ...(r.lowHz !== undefined ? { lowHz: r.lowHz } : {}),
  ...(r.highHz !== undefined ? { highHz: r.highHz } : {}),
});

/**
 * Regions and answers as tiers: one tier per region group (points in a point tier, intervals in an interval tier),
 * then one interval tier per distinct question, holding each answer over the span it was asked about.
 */
export function annotationOf(source: ExportSource, options: { regions?: boolean; answers?: boolean } = {}): Annotation {
  const duration = sourceDuration(source);
  const tiers: Tier[] = [];
  if (options.regions !== false) {
    const groups = new Map<string, Region[]>();
    for (const r of source.regions) {
      const group = tierName(r.group ?? DEFAULT_GROUP, DEFAULT_GROUP);
      groups.set(group, [...(groups.get(group) ?? []), r]);
    }
    for (const [group, regions] of groups) {
      const intervals = regions.filter((r) => !isPoint(r)).map(regionItem);
      const points = regions.filter(isPoint).map(regionItem);
      if (intervals.length) tiers.push(...laneTiers(group, 'interval', intervals));
      if (points.length) tiers.push(...laneTiers(intervals.length ? `${group} (points)` : group, 'point', points));
    }
  }
  if (options.answers !== false) {
    // One tier per question (named as it was first asked), its answers flattened so they never need a second tier.
    const questions = new Map<string, { name: string; items: TierItem[] }>();
    for (const e of answeredExchanges(source)) {
      const span = exchangeSpan(e, duration);
      if (span.end <= span.start) continue;
      const key = questionKey(e.question);
      const entry = questions.get(key) ?? { name: tierName(e.question, 'question'), items: [] };
      entry.items.push({ ...span, text: exportedAnswer(e, source.emptyAnswers) ?? '' });
      questions.set(key, entry);
    }
    for (const { name, items } of questions.values()) tiers.push({ name: `${ANSWER_TIER_PREFIX}${name}`, kind: 'interval', items: flattenAnswers(items) });
  }
  return { duration, tiers: uniqueNames(tiers) };
}
