import type { TierItem } from './tiers';

/**
 * All answers to one question as one tier. Praat and ELAN tiers may not overlap, but answers do: the same question
 * asked again about the same region, or asked about the whole file and about regions inside it. Rather than a lane
 * tier per overlap ("Q: … #2", "#3", … — twenty tiers for two dozen answers), the answers are flattened:
 *   - the same span asked more than once keeps its latest answer (the JSON and CSV exports keep every answer);
 *   - where spans overlap, the most specific (shortest) answer covers the overlap, and a longer one keeps the parts
 *     of its span nothing shorter covers.
 * Items come in the order they were asked.
 */
export function flattenAnswers(items: readonly TierItem[]): TierItem[] {
  const latest = new Map<string, { item: TierItem; order: number }>();
  items.forEach((item, order) => {
    if (item.end > item.start) latest.set(`${item.start}:${item.end}`, { item, order });
  });
  const answers = [...latest.values()];
  const bounds = [...new Set(answers.flatMap(({ item }) => [item.start, item.end]))].sort((a, b) => a - b);
  const out: TierItem[] = [];
  let open: { source: TierItem; piece: TierItem } | null = null;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const from = bounds[i] as number;
    const to = bounds[i + 1] as number;
    let best: { item: TierItem; order: number } | null = null;
    for (const candidate of answers) {
      const { item } = candidate;
      if (item.start > from || item.end < to) continue;
      const shorter = best === null || item.end - item.start < best.item.end - best.item.start;
      const sameLength = best !== null && item.end - item.start === best.item.end - best.item.start;
      if (shorter || (sameLength && best !== null && candidate.order > best.order)) best = candidate;
    }
    if (!best) {
      open = null;
      continue;
    }
    if (open && open.source === best.item && open.piece.end === from) {
      open.piece.end = to;
      continue;
    }
    const piece: TierItem = { ...best.item, start: from, end: to };
    out.push(piece);
    open = { source: best.item, piece };
  }
  return out;
}

/** Questions that differ only in case, spacing or final punctuation are one question (one tier). */
export function questionKey(question: string): string {
  return question
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/[\s?.!。？！]+$/u, '')
    .trim();
}
