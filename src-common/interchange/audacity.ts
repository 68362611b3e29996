import type { Annotation, Tier, TierItem } from './tiers';

/** Audacity writes six decimals; microseconds are finer than any label needs. */
const seconds = (x: number) => x.toFixed(6);
/** One label per line: tabs and line breaks inside a label would end its field or its line. */
const oneLine = (s: string) => s.replace(/[\t\r\n]+/g, ' ');

/**
 * Audacity's label track text: `start<TAB>end<TAB>label` per label; a label with a spectral selection is followed by
 * a line `\<TAB>low<TAB>high` (Audacity writes the backslash so that older versions skip the line; -1 = not set).
 */
export function writeAudacityLabels(items: TierItem[]): string {
  const lines: string[] = [];
  for (const item of [...items].sort((a, b) => a.start - b.start || a.end - b.end)) {
    lines.push(`${seconds(item.start)}\t${seconds(item.end)}\t${oneLine(item.text)}`);
    if (item.lowHz !== undefined || item.highHz !== undefined) lines.push(`\\\t${seconds(item.lowHz ?? -1)}\t${seconds(item.highHz ?? -1)}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** Every tier in one label file, each label prefixed with its tier name when there is more than one tier. */
export function writeAudacityAnnotation(annotation: Annotation): string {
  const many = annotation.tiers.length > 1;
  return writeAudacityLabels(annotation.tiers.flatMap((t) => t.items.map((item) => ({ ...item, text: many ? `${t.name}: ${item.text}` : item.text }))));
}

/** Reads a label file as one tier (named `name`). Accepts a tab-only prefix for the frequency line as well. */
export function readAudacityLabels(text: string, name = 'labels'): Tier {
  const items: TierItem[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const fields = line.split('\t');
    if (fields[0] === '\\' || fields[0] === '') {
      const last = items[items.length - 1];
      const [low, high] = [Number(fields[1]), Number(fields[2])];
      if (!last || !Number.isFinite(low) || !Number.isFinite(high)) throw new Error(`Labels: line ${index + 1} is a stray frequency line`);
      if (low >= 0) last.lowHz = low;
      if (high >= 0) last.highHz = high;
      return;
    }
    const start = Number(fields[0]);
    const end = fields.length > 1 && fields[1] !== '' ? Number(fields[1]) : start;
    if (!Number.isFinite(start) || !Number.isFinite(end) || start < 0) throw new Error(`Labels: line ${index + 1} does not start with a time`);
    items.push({ start, end: Math.max(start, end), text: fields.slice(2).join('\t') });
  });
  return { name, kind: items.every((i) => i.end === i.start) && items.length > 0 ? 'point' : 'interval', items };
}
