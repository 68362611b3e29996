import type { ResponseMessage } from '../../src-common/api/contract';
import { ApiError } from '../../src-common/api/errors';
import { parseRequest, parseResult } from '../../src-common/api/validate';
import type { Handlers } from './handlers';

/**
 * Validates one incoming request against the contract, runs its handler and returns the reply. Never throws: every
 * failure becomes an error reply with a code. The result is validated too, so a handler cannot leak extra fields.
 */
export async function dispatch(handlers: Handlers, raw: unknown): Promise<ResponseMessage> {
  // Echo the id only when it is one a reply may carry (an integer), so that even the refusal is a well-formed reply.
  const id = typeof raw === 'object' && raw !== null && Number.isSafeInteger((raw as { id?: unknown }).id) ? (raw as { id: number }).id : -1;
  try {
    const request = parseRequest(raw);
    const handler = handlers[request.method] as (params: unknown) => Promise<unknown>;
    const result = parseResult(request.method, await handler(request.params));
    return { type: 'response', id: request.id, ok: true, result };
  } catch (error) {
    return { type: 'response', id, ok: false, error: ApiError.wrap(error).toPublicJSON() };
  }
}
