import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { AUDIO_EXTENSIONS } from '../files/media-types';

const AUDIO = new Set(AUDIO_EXTENSIONS.map((e) => `.${e}`));

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, out);
    else if (entry.isFile() && AUDIO.has(extname(entry.name).toLowerCase())) out.push(path);
  }
}

/** Folders are searched recursively for audio (by extension, hidden entries skipped); files are taken as given. */
export async function listInputs(args: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const arg of args) {
    const path = resolve(arg);
    if (!existsSync(path)) throw new Error(`${arg} does not exist`);
    if (statSync(path).isDirectory()) await walk(path, files);
    else files.push(path);
  }
  return [...new Set(files)];
}

/** The deepest folder holding every input: outputs mirror the inputs' tree below it. */
export function commonRoot(paths: string[]): string {
  const parts = paths.map((p) => dirname(p).split(sep));
  const first = parts[0] ?? [];
  let n = first.length;
  for (const p of parts) {
    let i = 0;
    while (i < n && p[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join(sep) || sep;
}

/**
 * Output paths, one per input, relative to the common root with the extension replaced. Two inputs that would
 * collide (x.wav and x.flac in one folder) keep their audio extension as well (x.wav.TextGrid).
 */
export function outputNames(inputs: string[], extension: string): Map<string, string> {
  const root = commonRoot(inputs);
  const stems = inputs.map((input) => {
    const rel = relative(root, input);
    return rel.slice(0, rel.length - extname(rel).length);
  });
  const counts = new Map<string, number>();
  for (const s of stems) counts.set(s, (counts.get(s) ?? 0) + 1);
  return new Map(
    inputs.map((input, i) => [input, (counts.get(stems[i] as string) ?? 0) > 1 ? `${relative(root, input)}${extension}` : `${stems[i]}${extension}`]),
  );
}
