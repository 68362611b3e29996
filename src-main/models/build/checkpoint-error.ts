import { basename } from 'node:path';
import { ApiError } from '../../../src-common/api/errors';

/**
 * A checkpoint that cannot be used: the message names the file (and the tensor, when one is at fault) so a user
 * knows which download to replace. Paths stay in `details`; the message carries only the file's name.
 */
export function checkpointError(file: string, problem: string, tensor?: string): ApiError {
  const where = tensor ? `${basename(file)}, tensor ${tensor}` : basename(file);
  return new ApiError('bad_model', `${where}: ${problem}`, { file, ...(tensor ? { tensor } : {}) });
}
