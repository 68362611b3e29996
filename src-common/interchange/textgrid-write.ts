import type { Annotation, Tier, TierItem } from './tiers';

/** Shortest exact decimal for a time; never exponent notation, which older Praat versions misread. */
export function praatNumber(x: number): string {
  const s = String(x);
  return /e/i.test(s) ? x.toFixed(12).replace(/\.?0+$/, '') : s;
}

/** Praat strings are double-quoted; a quote inside is doubled. Newlines are kept literally (Praat reads them). */
export const praatString = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * Praat requires an interval tier to cover [xmin, xmax] without gaps: the gaps between items become intervals with
 * empty text. An item with empty text would then look like a gap, so it is written as a single space (the importer
 * reads whitespace-only text back as an empty label).
 */
export function fillIntervals(items: TierItem[], xmin: number, xmax: number): TierItem[] {
  const out: TierItem[] = [];
  let t = xmin;
  for (const item of [...items].sort((a, b) => a.start - b.start)) {
    if (item.start > t) out.push({ start: t, end: item.start, text: '' });
    out.push({ start: item.start, end: item.end, text: item.text === '' ? ' ' : item.text });
    t = item.end;
  }
  if (t < xmax || out.length === 0) out.push({ start: t, end: xmax, text: '' });
  return out;
}

function tierLines(tier: Tier, index: number, xmin: number, xmax: number): string[] {
  const lines = [
    `    item [${index}]:`,
    `        class = "${tier.kind === 'interval' ? 'IntervalTier' : 'TextTier'}" `,
    `        name = ${praatString(tier.name)} `,
    `        xmin = ${praatNumber(xmin)} `,
    `        xmax = ${praatNumber(xmax)} `,
  ];
  if (tier.kind === 'interval') {
    const intervals = fillIntervals(tier.items, xmin, xmax);
    lines.push(`        intervals: size = ${intervals.length} `);
    intervals.forEach((iv, i) => {
      lines.push(`        intervals [${i + 1}]:`, `            xmin = ${praatNumber(iv.start)} `, `            xmax = ${praatNumber(iv.end)} `);
      lines.push(`            text = ${praatString(iv.text)} `);
    });
  } else {
    const points = [...tier.items].sort((a, b) => a.start - b.start);
    lines.push(`        points: size = ${points.length} `);
    points.forEach((p, i) => {
      lines.push(`        points [${i + 1}]:`, `            number = ${praatNumber(p.start)} `, `            mark = ${praatString(p.text)} `);
    });
  }
  return lines;
}

/** A TextGrid in Praat's long text format (UTF-8). Tiers must not overlap internally (see `packLanes`). */
export function writeTextGrid(annotation: Annotation): string {
  const xmin = 0;
  // Praat refuses a TextGrid whose xmax is not after xmin.
  const xmax = annotation.duration > 0 ? annotation.duration : 1;
  const tiers = annotation.tiers.length ? annotation.tiers : [{ name: 'regions', kind: 'interval' as const, items: [] }];
  const lines = [
    'File type = "ooTextFile"',
    'Object class = "TextGrid"',
    '',
    `xmin = ${praatNumber(xmin)} `,
    `xmax = ${praatNumber(xmax)} `,
    'tiers? <exists> ',
    `size = ${tiers.length} `,
    'item []: ',
  ];
  tiers.forEach((tier, i) => {
    lines.push(...tierLines(tier, i + 1, xmin, xmax));
  });
  return `${lines.join('\n')}\n`;
}
