import type { EventData, EventMessage, EventName, ResponseMessage } from '../../src-common/api/contract';
import { ApiError } from '../../src-common/api/errors';
import { makeEvent, parseRequest, parseResult } from '../../src-common/api/validate';
import type { Handlers } from './handlers';

/**
 * The main side's end of the page boundary, where trust changes: the page is not trusted, the main side is (the page
 * checks nothing it receives). So each message is validated here, once: a request as it comes in (its params), its
 * result as it goes out (projected through the result schema, so a handler cannot leak extra fields such as paths),
 * and each event as a transport forwards it (`eventForPage`).
 *
 * `dispatch` validates one incoming request, runs its handler and returns the reply. Never throws: every failure
 * becomes an error reply with a code.
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

/**
 * An event of the app as the page receives it, its data validated against the contract (and stripped of what the
 * contract does not name); null, after saying why, when the main side published something the contract refuses — a
 * bug on this side, which must not reach the page nor stop the transport.
 */
export function eventForPage(event: EventName, data: unknown, report: (message: string) => void = console.error): EventMessage | null {
  try {
    return makeEvent(event, data as EventData<EventName>);
  } catch (error) {
    report(`Not sending ${event} to the page: ${ApiError.wrap(error).message}`);
    return null;
  }
}
