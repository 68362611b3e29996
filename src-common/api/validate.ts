import type { z } from 'zod';
import {
  type EventData,
  type EventMessage,
  EventMessageSchema,
  type EventName,
  events,
  type MethodName,
  methods,
  type RequestMessage,
  RequestMessageSchema,
  type ResponseMessage,
  ResponseMessageSchema,
  type ResultOf,
} from './contract';
import { ApiError } from './errors';

/** Validation at a process boundary: each function either returns typed data or throws a `bad_request` ApiError. */

function check(schema: z.ZodType, value: unknown, what: string): unknown {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new ApiError('bad_request', `Invalid ${what}${where}: ${issue?.message ?? 'does not match the contract'}`);
  }
  return parsed.data;
}

export function parseRequest(raw: unknown): RequestMessage & { params: unknown } {
  const message = check(RequestMessageSchema, raw, 'request') as RequestMessage;
  return { ...message, params: check(methods[message.method].params, message.params ?? {}, `params of ${message.method}`) };
}

export function parseResult<M extends MethodName>(method: M, value: unknown): ResultOf<M> {
  return check(methods[method].result, value, `result of ${method}`) as ResultOf<M>;
}

export function parseResponse(raw: unknown): ResponseMessage {
  return check(ResponseMessageSchema, raw, 'response') as ResponseMessage;
}

export function parseEvent(raw: unknown): EventMessage {
  const message = check(EventMessageSchema, raw, 'event') as EventMessage;
  return { ...message, data: check(events[message.event], message.data, `data of ${message.event}`) };
}

export function makeEvent<E extends EventName>(event: E, data: EventData<E>): EventMessage {
  return { type: 'event', event, data: check(events[event], data, `data of ${event}`) };
}

/** Decodes a text frame as JSON, refusing oversized or malformed input with a clear error. */
export function decodeFrame(text: string, maxBytes: number): unknown {
  if (text.length > maxBytes) throw new ApiError('bad_request', `Message too large (${text.length} bytes, limit ${maxBytes})`);
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError('bad_request', 'Message is not valid JSON');
  }
}
