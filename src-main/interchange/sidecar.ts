import { readdir } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { ImportFormat } from '../../src-common/interchange/formats';
import { tierIntervals } from '../../src-common/interchange/to-regions';
import { readAnnotationFile } from './annotation-file';

export interface SidecarIntervals {
  path: string;
  duration: number;
  intervals: { start: number; end: number; text: string }[];
}

/**
 * The annotation file that goes with `audio/x.wav`, in this order (extensions matched without regard to case):
 *   1. `x.TextGrid` — the tier by name;
 *   2. `x.eaf` — the tier by TIER_ID;
 *   3. `x.<tier>.txt` — an Audacity label file holding just that tier;
 *   4. `x.txt` — an Audacity label file, whose one tier is called `labels`.
 * The first file that has the tier wins. Fails with a message naming what was looked at and the tiers found.
 */
export async function findSidecarTier(audioPath: string, tier: string): Promise<SidecarIntervals> {
  const dir = dirname(audioPath);
  const stem = basename(audioPath, extname(audioPath));
  const names = await readdir(dir);
  const find = (wanted: string) => names.find((n) => n.toLowerCase() === wanted.toLowerCase());
  const candidates: { name: string; format: ImportFormat; tierName: string }[] = [];
  for (const [suffix, format] of [
    ['.TextGrid', 'textgrid'],
    ['.eaf', 'eaf'],
  ] as const) {
    const name = find(`${stem}${suffix}`);
    if (name) candidates.push({ name, format, tierName: tier });
  }
  const perTier = names.find((n) => n === `${stem}.${tier}.txt`);
  if (perTier) candidates.push({ name: perTier, format: 'audacity', tierName: `${stem}.${tier}` });
  const labels = find(`${stem}.txt`);
  if (labels && tier === 'labels') candidates.push({ name: labels, format: 'audacity', tierName: stem });

  const seen: string[] = [];
  for (const candidate of candidates) {
    const path = join(dir, candidate.name);
    const annotation = await readAnnotationFile(path, candidate.format);
    const intervals = tierIntervals(annotation, candidate.tierName);
    if (intervals) return { path, duration: annotation.duration, intervals };
    seen.push(`${candidate.name} (tiers: ${annotation.tiers.map((t) => t.name).join(', ') || 'none'})`);
  }
  const looked = `${stem}.TextGrid, ${stem}.eaf, ${stem}.${tier}.txt${tier === 'labels' ? `, ${stem}.txt` : ''}`;
  throw new Error(seen.length ? `no interval tier "${tier}" in ${seen.join('; ')}` : `no annotation file beside it (looked for ${looked})`);
}
