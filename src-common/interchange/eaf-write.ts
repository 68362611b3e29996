import type { Annotation } from './tiers';
import { escapeAttribute as attr, escapeText as text } from './xml';

export interface EafOptions {
  /** Absolute `file://` URL of the media; ELAN looks here first. */
  mediaUrl?: string;
  /** Media file name next to the EAF; ELAN falls back to it when the absolute URL moved. */
  relativeMediaUrl?: string;
  mimeType?: string;
  /** ISO date-time for the DATE attribute (given by the caller so that output is reproducible in tests). */
  date: string;
  author?: string;
  /** Extra HEADER properties (provenance): name → value. */
  properties?: Record<string, string>;
  /** ANNOTATOR per tier name (the model that wrote an answer tier). */
  annotators?: Record<string, string>;
}

const LINGUISTIC_TYPE = 'diffa-default';
const ms = (seconds: number) => Math.max(0, Math.round(seconds * 1000));

/**
 * ELAN Annotation Format 3.0: a TIME_ORDER of slots in milliseconds and one time-alignable tier per tier. Each
 * annotation gets its own two slots — shared slots would tie boundaries of unrelated tiers together when edited in
 * ELAN. Points (no duration in ELAN) are written with begin = end.
 */
export function writeEaf(annotation: Annotation, options: EafOptions): string {
  const slots: { id: string; value: number }[] = [];
  const tiers = annotation.tiers.map((tier) => ({
    tier,
    annotations: [...tier.items]
      .sort((a, b) => a.start - b.start)
      .map((item) => {
        const begin = { id: '', value: ms(item.start) };
        const end = { id: '', value: Math.max(begin.value, ms(item.end)) };
        slots.push(begin, end);
        return { begin, end, value: item.text };
      }),
  }));
  // Slots in time order (ELAN expects TIME_ORDER sorted); ids are numbered after sorting.
  slots
    .sort((a, b) => a.value - b.value)
    .forEach((slot, i) => {
      slot.id = `ts${i + 1}`;
    });

  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<ANNOTATION_DOCUMENT AUTHOR="${attr(options.author ?? '')}" DATE="${attr(options.date)}" FORMAT="3.0" VERSION="3.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://www.mpi.nl/tools/elan/EAFv3.0.xsd">`,
    '    <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">',
  ];
  if (options.mediaUrl) {
    const relative = options.relativeMediaUrl ? ` RELATIVE_MEDIA_URL="${attr(options.relativeMediaUrl)}"` : '';
    out.push(`        <MEDIA_DESCRIPTOR MEDIA_URL="${attr(options.mediaUrl)}" MIME_TYPE="${attr(options.mimeType ?? 'unknown')}"${relative}/>`);
  }
  let annotationCount = 0;
  for (const t of tiers) annotationCount += t.annotations.length;
  const properties = { ...options.properties, lastUsedAnnotationId: String(annotationCount) };
  for (const [name, value] of Object.entries(properties)) out.push(`        <PROPERTY NAME="${attr(name)}">${text(value)}</PROPERTY>`);
  out.push('    </HEADER>', '    <TIME_ORDER>');
  for (const slot of slots) out.push(`        <TIME_SLOT TIME_SLOT_ID="${slot.id}" TIME_VALUE="${slot.value}"/>`);
  out.push('    </TIME_ORDER>');
  let next = 1;
  for (const { tier, annotations } of tiers) {
    const annotator = options.annotators?.[tier.name];
    out.push(`    <TIER LINGUISTIC_TYPE_REF="${LINGUISTIC_TYPE}" TIER_ID="${attr(tier.name)}"${annotator ? ` ANNOTATOR="${attr(annotator)}"` : ''}>`);
    for (const a of annotations) {
      out.push(
        '        <ANNOTATION>',
        `            <ALIGNABLE_ANNOTATION ANNOTATION_ID="a${next++}" TIME_SLOT_REF1="${a.begin.id}" TIME_SLOT_REF2="${a.end.id}">`,
        `                <ANNOTATION_VALUE>${text(a.value)}</ANNOTATION_VALUE>`,
        '            </ALIGNABLE_ANNOTATION>',
        '        </ANNOTATION>',
      );
    }
    out.push('    </TIER>');
  }
  out.push(
    `    <LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="${LINGUISTIC_TYPE}" TIME_ALIGNABLE="true"/>`,
    '    <CONSTRAINT DESCRIPTION="Time subdivision of parent annotation\'s time interval, no time gaps allowed within this interval" STEREOTYPE="Time_Subdivision"/>',
    '    <CONSTRAINT DESCRIPTION="Symbolic subdivision of a parent annotation. Annotations refering to the same parent are ordered" STEREOTYPE="Symbolic_Subdivision"/>',
    '    <CONSTRAINT DESCRIPTION="1-1 association with a parent annotation" STEREOTYPE="Symbolic_Association"/>',
    '    <CONSTRAINT DESCRIPTION="Time alignable annotations within the parent annotation\'s time interval, gaps are allowed" STEREOTYPE="Included_In"/>',
    '</ANNOTATION_DOCUMENT>',
  );
  return `${out.join('\n')}\n`;
}
