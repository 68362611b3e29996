// The models folder's staging area (`STAGING` in models/staging.ts, not imported: every command loads this file).
const STAGING = '.staging';

/** An absolute path into the models folder's staging area: `<models>/.staging/<id or import-…>/…`. */
const STAGING_PATH = new RegExp(`['"]?(?:[A-Za-z]:)?[^\\s'"]*[\\\\/]${STAGING.replace('.', '\\.')}[\\\\/]([^\\s'"\\\\/]+)[^\\s'"]*['"]?`, 'g');

/**
 * What the command line prints for an error: the message with every staging path (a folder of the app's own that
 * the user never chose and cannot act on) replaced by the model it belongs to. Node's file-system errors name such
 * paths (`ENOSPC: no space left on device, write '…/.staging/diffa-tiny/bundle/llm.onnx'`).
 */
export function publicMessage(message: string): string {
  return message.replace(STAGING_PATH, (match: string, owner: string) => {
    // Punctuation after the path ("…/llm.onnx: …") belongs to the sentence, not to the file's name.
    const trailing = /[:;,.]+$/.exec(match)?.[0] ?? '';
    const path = match.slice(0, match.length - trailing.length);
    const file = /[\\/]bundle[\\/]([^'"]+)/.exec(path)?.[1];
    const model = owner.startsWith('import-') ? 'the model being imported' : `the download of ${owner}`;
    return `${file ? `${file} of ${model}` : model}${trailing}`;
  });
}

/** Node's own errors for a failed system call (`ENOSPC`, `EACCES`, …): expected failures, not bugs. */
export const isSystemError = (error: unknown): error is NodeJS.ErrnoException =>
  error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && typeof (error as NodeJS.ErrnoException).syscall === 'string';
