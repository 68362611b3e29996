import type { Annotation, Tier } from './tiers';
import { childrenNamed, parseXml } from './xml';

/**
 * Reads the time-aligned tiers of an ELAN file: every ALIGNABLE_ANNOTATION whose two slots have time values.
 * Symbolic (REF_ANNOTATION) tiers and unaligned annotations have no times of their own and are left out.
 */
export function readEaf(source: string): Annotation & { mediaUrls: string[] } {
  const root = parseXml(source);
  if (root.name !== 'ANNOTATION_DOCUMENT') throw new Error(`EAF: the root element is <${root.name}>`);
  const header = childrenNamed(root, 'HEADER')[0];
  if (header?.attributes.TIME_UNITS && header.attributes.TIME_UNITS !== 'milliseconds') throw new Error('EAF: only millisecond time units are supported');
  const slots = new Map<string, number>();
  for (const slot of childrenNamed(childrenNamed(root, 'TIME_ORDER')[0] ?? root, 'TIME_SLOT')) {
    const value = slot.attributes.TIME_VALUE;
    const seconds = Number(value) / 1000;
    // a slot without a usable time (absent, not a number, out of range) is unaligned: its annotations are left out
    if (slot.attributes.TIME_SLOT_ID && value !== undefined && Number.isFinite(seconds)) slots.set(slot.attributes.TIME_SLOT_ID, seconds);
  }
  const tiers: Tier[] = [];
  let duration = 0;
  for (const tier of childrenNamed(root, 'TIER')) {
    const items = [];
    for (const annotation of childrenNamed(tier, 'ANNOTATION')) {
      const a = childrenNamed(annotation, 'ALIGNABLE_ANNOTATION')[0];
      if (!a) continue;
      const start = slots.get(a.attributes.TIME_SLOT_REF1 ?? '');
      const end = slots.get(a.attributes.TIME_SLOT_REF2 ?? '');
      if (start === undefined || end === undefined) continue;
      items.push({ start, end: Math.max(start, end), text: childrenNamed(a, 'ANNOTATION_VALUE')[0]?.text ?? '' });
      duration = Math.max(duration, end);
    }
    const name = tier.attributes.TIER_ID ?? `tier ${tiers.length + 1}`;
    // ELAN has no points; our exporter writes them as begin = end, so a tier of only those is a point tier.
    if (items.length) tiers.push({ name, kind: items.every((i) => i.end === i.start) ? 'point' : 'interval', items });
  }
  const mediaUrls = header ? childrenNamed(header, 'MEDIA_DESCRIPTOR').map((m) => m.attributes.MEDIA_URL ?? '') : [];
  return { duration, tiers, mediaUrls };
}
