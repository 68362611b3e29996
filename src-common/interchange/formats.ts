import { z } from 'zod';
import { isNoAnswer } from '../routing/confidence';
import { readAudacityLabels, writeAudacityAnnotation } from './audacity';
import { readEaf } from './eaf-read';
import { writeEaf } from './eaf-write';
import { ANSWER_TIER_PREFIX, annotationOf, type ExportSource, sourceDuration } from './export-source';
import { exchangeRecord, writeCsv } from './records';
import { writeSrt, writeVtt } from './subtitles';
import { readTextGrid } from './textgrid-read';
import { writeTextGrid } from './textgrid-write';
import type { Annotation } from './tiers';

export const ExportFormatSchema = z.enum(['textgrid', 'eaf', 'audacity', 'srt', 'vtt', 'csv', 'json']);
export type ExportFormat = z.infer<typeof ExportFormatSchema>;
export const ImportFormatSchema = z.enum(['textgrid', 'eaf', 'audacity']);
export type ImportFormat = z.infer<typeof ImportFormatSchema>;

export const FORMAT_FILES: Record<ExportFormat | 'jsonl', { extension: string; mimeType: string }> = {
  textgrid: { extension: '.TextGrid', mimeType: 'text/plain; charset=utf-8' },
  eaf: { extension: '.eaf', mimeType: 'application/xml' },
  audacity: { extension: '.txt', mimeType: 'text/plain; charset=utf-8' },
  srt: { extension: '.srt', mimeType: 'application/x-subrip' },
  vtt: { extension: '.vtt', mimeType: 'text/vtt' },
  csv: { extension: '.csv', mimeType: 'text/csv; charset=utf-8' },
  json: { extension: '.json', mimeType: 'application/json' },
  jsonl: { extension: '.jsonl', mimeType: 'application/x-ndjson' },
};

/** Who answered, for formats with room for it (ELAN header, WebVTT notes): one line per distinct model. */
export function provenanceLines(source: ExportSource): string[] {
  const seen = new Set<string>();
  for (const e of source.exchanges) {
    const a = e.answer;
    if (!a) continue;
    const d = a.decoding;
    seen.add(
      `${a.model.name} ${a.model.version} (${a.model.id}, manifest sha256 ${a.model.manifestSha256}) on ${a.provider}; sampler ${d.sampler}, steps ${d.steps}, gen length ${d.genLength}, block ${d.blockLength}, temperature ${d.temperature}, cfg ${d.cfgScale}, seed ${d.seed}`,
    );
  }
  return [...seen];
}

/** One file's regions and answers in the given format, as text (UTF-8 when written). `date` is for the EAF header. */
export function exportText(format: ExportFormat, source: ExportSource, date: string): string {
  const annotation = annotationOf(source);
  switch (format) {
    case 'textgrid':
      return writeTextGrid(annotation);
    case 'eaf': {
      const properties = Object.fromEntries(provenanceLines(source).map((line, i) => [`diffa:model${i + 1}`, line]));
      const annotators = Object.fromEntries(annotation.tiers.filter((t) => t.name.startsWith(ANSWER_TIER_PREFIX)).map((t) => [t.name, 'Diffa Studio']));
      return writeEaf(annotation, {
        date,
        author: 'Diffa Studio',
        mediaUrl: source.mediaUrl,
        relativeMediaUrl: source.relativeMediaUrl ?? (source.mediaUrl ? `./${encodeURIComponent(source.fileName)}` : undefined),
        mimeType: source.mimeType,
        properties,
        annotators,
      });
    }
    case 'audacity':
      return writeAudacityAnnotation(annotation);
    case 'srt':
      return writeSrt(annotation, ANSWER_TIER_PREFIX);
    case 'vtt':
      return writeVtt(annotation, ANSWER_TIER_PREFIX, [`${source.fileName}`, ...provenanceLines(source)]);
    case 'csv':
      return writeCsv(exportRecords(source));
    case 'json':
      return `${JSON.stringify(exportRecords(source), null, 2)}\n`;
  }
}

export function exportRecords(source: ExportSource) {
  const duration = sourceDuration(source);
  const empty = source.emptyAnswers ?? 'skip';
  // A row per exchange (failed ones keep their error), except answers that are only an end marker when skipped.
  const kept = source.exchanges.filter((e) => empty === 'mark' || !(e.status === 'done' && e.answer !== null && isNoAnswer(e.answer.answer)));
  return kept.map((e) => exchangeRecord(source.fileName, e, source.regions, duration, empty));
}

/** The format of an annotation file, from its name and, failing that, its first bytes. */
export function detectImportFormat(fileName: string, text: string): ImportFormat | null {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.textgrid')) return 'textgrid';
  if (lower.endsWith('.eaf')) return 'eaf';
  const head = text
    .replace(/^\uFEFF/, '')
    .trimStart()
    .slice(0, 200);
  if (head.startsWith('File type = "ooTextFile"')) return 'textgrid';
  if (head.startsWith('<?xml') || head.startsWith('<ANNOTATION_DOCUMENT')) return 'eaf';
  if (/^(\d+(\.\d+)?)(\t|$)/.test(head) || head === '') return 'audacity';
  return null;
}

/** Parses an annotation file into tiers. A label file is one tier named after the file (without extension). */
export function readAnnotation(format: ImportFormat, text: string, fileName: string): Annotation {
  if (format === 'textgrid') return readTextGrid(text);
  if (format === 'eaf') return readEaf(text);
  const tier = readAudacityLabels(text, fileName.replace(/\.[^.]*$/, '') || 'labels');
  return { duration: Math.max(0, ...tier.items.map((i) => i.end)), tiers: [tier] };
}
