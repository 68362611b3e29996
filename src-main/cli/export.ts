import { writeFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { ExportFormatSchema, exportText, FORMAT_FILES } from '../../src-common/interchange/formats';
import { openAppHome, resolveHomeRoot } from '../core/app-home';
import { exportSourceFor } from '../interchange/export-file';
import { audioFingerprint } from '../library/fingerprint';
import { LibraryStore } from '../library/library-store';
import { type Command, UsageError } from './command';

export const exportCommand: Command = {
  name: 'export',
  summary: "Write an audio file's regions and answers as TextGrid, EAF, Audacity labels, SRT, WebVTT, CSV or JSON",
  usage: `Usage: npm run diffa -- export --audio FILE --format F [--out PATH]

  --audio FILE   the audio file whose regions and answers (saved in the app's library) to export
  --format F     textgrid | eaf | audacity | srt | vtt | csv | json
  --out PATH     where to write (default: beside the audio, same name with the format's extension; - for stdout)`,
  options: { audio: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' } },
  async run(values) {
    if (typeof values.audio !== 'string') throw new UsageError('--audio FILE is required');
    const format = ExportFormatSchema.safeParse(values.format);
    if (!format.success) throw new UsageError(`--format must be one of ${ExportFormatSchema.options.join(', ')}`);
    const audio = resolve(values.audio);
    const home = openAppHome(resolveHomeRoot(values.home as string | undefined));
    const doc = await new LibraryStore(home.library).get(await audioFingerprint(audio), basename(audio));
    const out =
      values.out === '-'
        ? null
        : resolve((values.out as string | undefined) ?? `${audio.slice(0, audio.length - extname(audio).length)}${FORMAT_FILES[format.data].extension}`);
    const source = await exportSourceFor(audio, doc.regions, doc.exchanges, out ?? undefined);
    const text = exportText(format.data, source, new Date().toISOString());
    if (out === null) process.stdout.write(text);
    else {
      writeFileSync(out, text);
      console.log(`wrote ${doc.regions.length} regions and ${doc.exchanges.length} answers to ${out}`);
    }
    return 0;
  },
};
