import { z } from 'zod';

/** Every error that crosses a process boundary carries one of these codes, so callers can react without parsing text. */
export const ErrorCodeSchema = z.enum([
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'unsupported',
  'io_error',
  'bad_audio',
  'bad_model',
  'engine_crashed',
  'engine_error',
  'cancelled',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const ApiErrorSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ApiErrorData = z.infer<typeof ApiErrorSchema>;

/** A typed error: thrown by handlers, serialised as {code, message, details}, rebuilt on the other side. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.details = details;
  }

  toJSON(): ApiErrorData {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }

  /**
   * What may cross into a page: code and message only. `details` can hold absolute paths and other internals that
   * the renderer must never see (it knows files only by id).
   */
  toPublicJSON(): ApiErrorData {
    return { code: this.code, message: this.message };
  }

  static from(data: ApiErrorData): ApiError {
    return new ApiError(data.code, data.message, data.details);
  }

  /** Wraps anything thrown into an ApiError without losing its message. */
  static wrap(error: unknown, code: ErrorCode = 'internal'): ApiError {
    if (error instanceof ApiError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new ApiError(code, message);
  }
}
