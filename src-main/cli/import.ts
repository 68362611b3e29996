import { randomUUID } from 'node:crypto';
import { basename, resolve } from 'node:path';
import { ImportFormatSchema } from '../../src-common/interchange/formats';
import { regionsFromAnnotation } from '../../src-common/interchange/to-regions';
import { openAppHome, resolveHomeRoot } from '../core/app-home';
import { readAnnotationFile } from '../interchange/annotation-file';
import { audioFingerprint } from '../library/fingerprint';
import { LibraryStore } from '../library/library-store';
import { type Command, UsageError } from './command';

export const importCommand: Command = {
  name: 'import',
  summary: 'Add the tiers of a TextGrid, EAF or Audacity label file to an audio file as region groups',
  usage: `Usage: npm run diffa -- import --audio FILE --annotations FILE [--tier NAME …] [--replace] [--answers]

  --audio FILE        the audio file the regions belong to (opened later in the app, they are there)
  --annotations FILE  a .TextGrid (long or short text format), .eaf, or Audacity label .txt file
  --format F          textgrid | eaf | audacity (default: from the name, else the content)
  --tier NAME         only this tier (repeatable; default: all)
  --replace           replace the regions of the imported groups instead of adding to them
  --answers           also import answer tiers ("Q: …") that Diffa Studio exported`,
  options: {
    audio: { type: 'string' },
    annotations: { type: 'string' },
    format: { type: 'string' },
    tier: { type: 'string', multiple: true },
    replace: { type: 'boolean' },
    answers: { type: 'boolean' },
  },
  async run(values) {
    if (typeof values.audio !== 'string') throw new UsageError('--audio FILE is required');
    if (typeof values.annotations !== 'string') throw new UsageError('--annotations FILE is required');
    const format = values.format === undefined ? undefined : ImportFormatSchema.safeParse(values.format);
    if (format && !format.success) throw new UsageError(`--format must be one of ${ImportFormatSchema.options.join(', ')}`);
    const audio = resolve(values.audio);
    const annotation = await readAnnotationFile(resolve(values.annotations), format?.data).catch((error: Error) => {
      throw new UsageError(error.message);
    });
    const regions = regionsFromAnnotation(annotation, {
      newId: randomUUID,
      tiers: values.tier as string[] | undefined,
      includeAnswerTiers: values.answers === true,
    });
    const groups = new Set(regions.map((r) => r.group));
    const home = openAppHome(resolveHomeRoot(values.home as string | undefined));
    await new LibraryStore(home.library).update(await audioFingerprint(audio), basename(audio), (doc) => {
      doc.regions = [...(values.replace ? doc.regions.filter((r) => !groups.has(r.group)) : doc.regions), ...regions];
    });
    for (const tier of annotation.tiers) console.log(`${tier.kind.padEnd(8)} ${String(tier.items.length).padStart(5)}  ${tier.name}`);
    console.log(`imported ${regions.length} regions into ${[...groups].join(', ') || 'no group'}`);
    return 0;
  },
};
