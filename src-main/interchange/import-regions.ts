import { randomUUID } from 'node:crypto';
import { ApiError } from '../../src-common/api/errors';
import type { LibraryDoc, Region } from '../../src-common/api/library';
import { detectImportFormat, type ImportFormat, readAnnotation } from '../../src-common/interchange/formats';
import type { Tier } from '../../src-common/interchange/tiers';
import { regionsFromAnnotation } from '../../src-common/interchange/to-regions';
import type { ChatService } from '../chat/chat-service';

export interface ImportInput {
  fileId: string;
  fileName: string;
  text: string;
  format?: ImportFormat;
  tiers?: string[];
  includeAnswerTiers: boolean;
  replace: boolean;
}

/** Adds an annotation file's tiers to an open file as region groups (replacing those groups when asked). */
export async function importRegions(
  chat: ChatService,
  input: ImportInput,
): Promise<{ doc: LibraryDoc; imported: number; tiers: { name: string; kind: Tier['kind']; items: number }[] }> {
  const format = input.format ?? detectImportFormat(input.fileName, input.text);
  if (!format) throw new ApiError('bad_request', `${input.fileName} is not a TextGrid, EAF or Audacity label file`);
  let annotation: ReturnType<typeof readAnnotation>;
  try {
    annotation = readAnnotation(format, input.text, input.fileName);
  } catch (error) {
    throw new ApiError('bad_request', `${input.fileName}: ${(error as Error).message}`);
  }
  const regions = regionsFromAnnotation(annotation, { newId: randomUUID, tiers: input.tiers, includeAnswerTiers: input.includeAnswerTiers });
  const groups = new Set(regions.map((r) => r.group));
  const doc = await chat.updateRegions(input.fileId, (existing: Region[]) => [
    ...(input.replace ? existing.filter((r) => !groups.has(r.group)) : existing),
    ...regions,
  ]);
  return { doc, imported: regions.length, tiers: annotation.tiers.map((t) => ({ name: t.name, kind: t.kind, items: t.items.length })) };
}
