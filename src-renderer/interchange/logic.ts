import type { BatchProgressEvent } from '../../src-common/interchange/api-schemas';
import { ANSWER_TIER_PREFIX } from '../../src-common/interchange/export-source';
import { detectImportFormat, type ExportFormat, type ImportFormat, readAnnotation } from '../../src-common/interchange/formats';
import { groupOf } from '../../src-common/interchange/to-regions';

/** Pure helpers of the interchange UI (no Svelte state), so they can be tested on their own. */

export const EXPORT_FORMATS: { id: ExportFormat; label: string; hint: string; title: string }[] = [
  { id: 'textgrid', label: 'Praat TextGrid', hint: '.TextGrid', title: 'Tiers of regions and one tier per question, for Praat' },
  { id: 'eaf', label: 'ELAN EAF', hint: '.eaf', title: 'ELAN 3.0 tiers linked to the audio, with the model as provenance' },
  { id: 'audacity', label: 'Audacity labels', hint: '.txt', title: 'A label track, with frequency ranges where regions have them' },
  { id: 'srt', label: 'SRT subtitles', hint: '.srt', title: 'Every answer as a cue over the span it was asked about' },
  { id: 'vtt', label: 'WebVTT subtitles', hint: '.vtt', title: 'Every answer as a cue, with the model named in notes' },
  { id: 'csv', label: 'CSV table', hint: '.csv', title: 'One row per question and answer, with full provenance' },
  { id: 'json', label: 'JSON', hint: '.json', title: 'One object per question and answer, with full provenance' },
];

export type BatchFormat = 'textgrid' | 'eaf' | 'audacity' | 'srt' | 'vtt' | 'csv' | 'jsonl';
export const BATCH_FORMATS: { id: BatchFormat; label: string }[] = [
  { id: 'csv', label: 'CSV — one file for all inputs' },
  { id: 'jsonl', label: 'JSON Lines — one file for all inputs' },
  { id: 'textgrid', label: 'Praat TextGrid — one per input' },
  { id: 'eaf', label: 'ELAN EAF — one per input' },
  { id: 'audacity', label: 'Audacity labels — one per input' },
  { id: 'srt', label: 'SRT — one per input' },
  { id: 'vtt', label: 'WebVTT — one per input' },
];

/** What the import API accepts as text (its schema's limit). */
export const MAX_IMPORT_CHARS = 900_000;
export const IMPORT_ACCEPT = '.TextGrid,.textgrid,.eaf,.txt';

/**
 * An annotation file's bytes as text. Praat saves files with non-ASCII text as UTF-16 with a byte-order mark; files
 * without a BOM are UTF-8, or (when they are not valid UTF-8) Windows-1252, which older tools write.
 */
export function decodeAnnotationBytes(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  // UTF-16 without a BOM: ASCII text then has a zero in every other byte.
  const head = bytes.subarray(0, 200);
  if (head.length >= 4) {
    let evenZeros = 0;
    let oddZeros = 0;
    for (let i = 0; i < head.length; i++) if (head[i] === 0) i % 2 === 0 ? evenZeros++ : oddZeros++;
    const half = head.length / 2;
    if (oddZeros > half * 0.8 && evenZeros === 0) return new TextDecoder('utf-16le').decode(bytes);
    if (evenZeros > half * 0.8 && oddZeros === 0) return new TextDecoder('utf-16be').decode(bytes);
  }
  try {
    // The decoder drops a UTF-8 BOM by itself.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

export interface TierPreview {
  /** The region group the tier becomes (lanes such as "words #2" merged back into "words"). */
  group: string;
  kind: 'interval' | 'point';
  /** Items that become regions (TextGrid gaps left out). */
  items: number;
  /** A tier of answers this app exported ("Q: …"). */
  answers: boolean;
}

export interface AnnotationPreview {
  format: ImportFormat;
  duration: number;
  tiers: TierPreview[];
}

/** Reads an annotation file in the page to list its tiers before importing (the main side reads it again). */
export function previewAnnotation(fileName: string, text: string): AnnotationPreview {
  const format = detectImportFormat(fileName, text);
  if (!format) throw new Error(`${fileName} is not a TextGrid, EAF or Audacity label file`);
  const annotation = readAnnotation(format, text, fileName);
  const names = new Set(annotation.tiers.map((t) => t.name));
  const byGroup = new Map<string, TierPreview>();
  for (const tier of annotation.tiers) {
    const group = groupOf(tier.name, tier.kind, names).slice(0, 200);
    const items = tier.items.filter((item) => !(tier.emptyIsGap && item.text === '')).length;
    const known = byGroup.get(group);
    if (known) {
      known.items += items;
      if (tier.kind === 'interval') known.kind = 'interval';
    } else byGroup.set(group, { group, kind: tier.kind, items, answers: tier.name.startsWith(ANSWER_TIER_PREFIX) });
  }
  return { format, duration: annotation.duration, tiers: [...byGroup.values()] };
}

/** Saves text as a download with the suggested name (a Blob link: the page has no file system of its own). */
export function downloadText(fileName: string, mimeType: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: mimeType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // Some browsers start reading the Blob only after the click returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Questions typed one per line: trimmed, blank lines and `#` comments dropped, duplicates once. */
export function parseQuestions(text: string): string[] {
  const seen = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const question = line.trim();
    if (question && !question.startsWith('#')) seen.add(question);
  }
  return [...seen];
}

/** Items handled so far (answered, skipped as done before, or failed). */
export function batchDone(p: Pick<BatchProgressEvent, 'answered' | 'skipped' | 'failed'>): number {
  return p.answered + p.skipped + p.failed;
}

/** "2 answers", "1 answer". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The file part of a path the main side reported (either separator). */
export function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).at(-1) ?? path;
}
