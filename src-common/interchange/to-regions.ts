import type { Region } from '../api/library';
import { ANSWER_TIER_PREFIX } from './export-source';
import { type Annotation, LANE_SUFFIX } from './tiers';

export interface ImportOptions {
  /** Ids for new regions (the caller's UUIDs; common code has no crypto). */
  newId: () => string;
  /** Only these tiers (after lane merging); all when absent. */
  tiers?: string[];
  /** Tiers named "Q: …" hold answers this app exported; they are left out unless asked for. */
  includeAnswerTiers?: boolean;
}

const PALETTE = ['#6d5dfc', '#e5484d', '#30a46c', '#f76b15', '#0090ff', '#d6409f', '#978365', '#12a594'];
// Region times must be positive at the end: a point at 0 s moves by a microsecond.
const POINT_AT_ZERO = 1e-6;

/** The group a tier's items belong to: lanes ("words #2") and split point tiers ("words (points)") merge back. */
export function groupOf(name: string, kind: 'interval' | 'point', allNames: Set<string>): string {
  let base = name;
  const lane = LANE_SUFFIX.exec(base);
  if (lane && allNames.has(base.slice(0, lane.index))) base = base.slice(0, lane.index);
  if (kind === 'point' && base.endsWith(' (points)') && allNames.has(base.slice(0, -' (points)'.length))) base = base.slice(0, -' (points)'.length);
  return base;
}

/**
 * Tiers → regions, one group per tier. TextGrid interval tiers skip intervals with empty text: they are the gaps
 * Praat requires between intervals. Whitespace-only text is a deliberately unlabeled interval (our exporter writes " ").
 * Labels longer than a region label may be are cut with an ellipsis.
 */
export function regionsFromAnnotation(annotation: Annotation, options: ImportOptions): Region[] {
  const names = new Set(annotation.tiers.map((t) => t.name));
  const regions: Region[] = [];
  const colors = new Map<string, string>();
  for (const tier of annotation.tiers) {
    if (!options.includeAnswerTiers && tier.name.startsWith(ANSWER_TIER_PREFIX)) continue;
    const group = groupOf(tier.name, tier.kind, names).slice(0, 200);
    if (options.tiers && !options.tiers.includes(group)) continue;
    if (!colors.has(group)) colors.set(group, PALETTE[colors.size % PALETTE.length] as string);
    for (const item of tier.items) {
      if (tier.emptyIsGap && item.text === '') continue;
      const label = item.text.trim() === '' ? '' : item.text.length > 200 ? `${item.text.slice(0, 199)}…` : item.text;
      const start = Math.max(0, item.start);
      const end = Math.max(start, item.end) || POINT_AT_ZERO;
      regions.push({
        id: options.newId(),
        start: end === POINT_AT_ZERO ? POINT_AT_ZERO : start,
        end,
        label,
        color: colors.get(group) as string,
        group,
        ...(item.lowHz !== undefined ? { lowHz: item.lowHz } : {}),
        ...(item.highHz !== undefined ? { highHz: item.highHz } : {}),
      });
    }
  }
  return regions.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** Intervals of one tier (lanes merged), for "ask this question for every interval of tier X". */
export function tierIntervals(annotation: Annotation, tierName: string): { start: number; end: number; text: string }[] | null {
  const names = new Set(annotation.tiers.map((t) => t.name));
  const tiers = annotation.tiers.filter((t) => groupOf(t.name, t.kind, names) === tierName && t.kind === 'interval');
  if (tiers.length === 0) return null;
  return tiers
    .flatMap((t) => t.items)
    .filter((i) => i.end > i.start && !(tiers.some((t) => t.emptyIsGap) && i.text === ''))
    .map((i) => ({ start: i.start, end: i.end, text: i.text.trim() }))
    .sort((a, b) => a.start - b.start);
}
