/**
 * The neutral shape every annotation format is read into and written from: named tiers of intervals or points.
 * Times are seconds. A point has `end === start`.
 */
export interface TierItem {
  start: number;
  end: number;
  text: string;
  /** Audacity's spectral selection, when the label has one. */
  lowHz?: number;
  highHz?: number;
}

export interface Tier {
  name: string;
  kind: 'interval' | 'point';
  items: TierItem[];
  /** Set by the TextGrid reader: intervals with empty text are the gaps Praat requires, not annotations. */
  emptyIsGap?: boolean;
}

export interface Annotation {
  /** Length of the annotated media in seconds (0 when the format does not say). */
  duration: number;
  tiers: Tier[];
}

/** Tier names that were split into lanes on export carry this suffix ("words #2"); the importer merges them back. */
export const LANE_SUFFIX = /\s#(\d+)$/;

/**
 * Splits overlapping items into lanes: Praat and ELAN tiers may not overlap, while our regions may. Greedy by start
 * time, each item goes to the first lane whose last item ended at or before it starts.
 */
export function packLanes(items: TierItem[]): TierItem[][] {
  const sorted = [...items].sort((a, b) => a.start - b.start || a.end - b.end);
  const lanes: TierItem[][] = [];
  for (const item of sorted) {
    const isPoint = item.end === item.start;
    // Points need a strictly later time than the lane's last point (Praat refuses two marks at one time).
    const lane = lanes.find((l) => {
      const last = l[l.length - 1] as TierItem;
      return isPoint ? item.start > last.start : item.start >= last.end;
    });
    if (lane) lane.push(item);
    else lanes.push([item]);
  }
  return lanes;
}

/** Tiers with lanes: the first lane keeps the name, later ones are "name #2", "name #3", … */
export function laneTiers(name: string, kind: Tier['kind'], items: TierItem[]): Tier[] {
  const lanes = packLanes(items);
  if (lanes.length === 0) return [{ name, kind, items: [] }];
  return lanes.map((lane, i) => ({ name: i === 0 ? name : `${name} #${i + 1}`, kind, items: lane }));
}

/** A name safe for any format's tier: one line, trimmed, never empty. */
export function tierName(raw: string, fallback = 'tier'): string {
  const name = raw.replace(/\s+/g, ' ').trim();
  return name === '' ? fallback : name;
}

/** Makes names unique in order of appearance: a second "words" becomes "words (2)". */
export function uniqueNames<T extends { name: string }>(tiers: T[]): T[] {
  const seen = new Set<string>();
  return tiers.map((tier) => {
    let name = tier.name;
    for (let n = 2; seen.has(name); n++) name = `${tier.name} (${n})`;
    seen.add(name);
    return { ...tier, name };
  });
}
