import { randomUUID } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { z } from 'zod';
import { RegionSchema } from '../../../src-common/api/library';
import { detectImportFormat, type ImportFormat, readAnnotation } from '../../../src-common/interchange/formats';
import { regionsFromAnnotation } from '../../../src-common/interchange/to-regions';
import { errorData, type GuardedReply } from '../fuzz-support';

/**
 * Fuzz worker: reads one annotation text the way `interchange.import` does (detect the format, read the tiers, turn
 * them into regions) and checks that the regions are ones the library can store.
 */
export interface ImportJob {
  fileName: string;
  text: string;
  format?: ImportFormat;
}
export interface ImportOutcome {
  format: ImportFormat | null;
  tiers: number;
  regions: number;
  /** Regions the library would refuse (its schema), with the first problem. */
  invalidRegion: string | null;
}

const Regions = z.array(RegionSchema);

function importText({ fileName, text, format }: ImportJob): ImportOutcome {
  const detected = format ?? detectImportFormat(fileName, text);
  if (!detected) return { format: null, tiers: 0, regions: 0, invalidRegion: null };
  const annotation = readAnnotation(detected, text, fileName);
  const regions = regionsFromAnnotation(annotation, { newId: randomUUID, includeAnswerTiers: true });
  const checked = Regions.safeParse(regions);
  const issue = checked.success ? null : checked.error.issues[0];
  return {
    format: detected,
    tiers: annotation.tiers.length,
    regions: regions.length,
    invalidRegion: issue ? `${issue.path.join('.')}: ${issue.message} (${JSON.stringify(regions[issue.path[0] as number])})` : null,
  };
}

parentPort?.on('message', ({ id, job }: { id: number; job: ImportJob }) => {
  let reply: GuardedReply<ImportOutcome>;
  try {
    reply = { ok: true, result: importText(job) };
  } catch (error) {
    reply = { ok: false, error: errorData(error) };
  }
  parentPort?.postMessage({ id, reply });
});
parentPort?.postMessage({ ready: true });
