import type { LibraryDoc } from '../../src-common/api/library';

/**
 * Gives every region without a number the next one, and keeps the doc's counter at the highest number handed out,
 * so a number is never given twice (a deleted region's number stays its own, for undo and for earlier answers).
 */
export function numberRegions(doc: LibraryDoc): void {
  let highest = doc.regionNumbers ?? 0;
  for (const region of doc.regions) highest = Math.max(highest, region.number ?? 0);
  for (const region of doc.regions) if (region.number === undefined) region.number = ++highest;
  doc.regionNumbers = highest;
}
