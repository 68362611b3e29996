import { basename } from 'node:path';
import { ApiError } from '../../src-common/api/errors';

/** An ApiError that names the file and says what is wrong with it: what the UI and the CLI show as they are. */
export const badAudio = (path: string, what: string) => new ApiError('bad_audio', `Cannot read ${basename(path)}: ${what}`, { path });
