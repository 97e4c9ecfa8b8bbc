import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isLedgerError, toLedgerError } from '../ledger/errors.js';
import { ledgerErrorAnswer } from './ledger-status.js';

/** An error the client caused or may act on: it becomes this status with this message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string) => new HttpError(400, message, 'BAD_REQUEST');
export const unauthorized = (message: string) => new HttpError(401, message, 'UNAUTHORIZED');
export const forbidden = (message: string) => new HttpError(403, message, 'FORBIDDEN');
export const notFound = (message: string) => new HttpError(404, message, 'NOT_FOUND');
export const conflict = (message: string) => new HttpError(409, message, 'CONFLICT');
export const tooLarge = (message: string) => new HttpError(413, message, 'TOO_LARGE');
export const tooMany = (message: string) => new HttpError(429, message, 'RATE_LIMITED');
export const badGateway = (message: string) => new HttpError(502, message, 'BAD_GATEWAY');

export const notFoundRoute: RequestHandler = (req, _res, next) => {
  next(notFound(`no route ${req.method} ${req.path}`));
};

/**
 * Turns every error into a JSON body `{error, code}` (plus `txId` when a commit's outcome is
 * unknown); never lets one crash the process. Raw fabric-gateway errors are classified first.
 */
export const errorHandler: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error instanceof HttpError) {
    res.status(error.status).json({ error: error.message, code: error.code ?? 'ERROR' });
    return;
  }
  const ledgerError = toLedgerError(error);
  if (isLedgerError(ledgerError)) {
    const { status, body } = ledgerErrorAnswer(ledgerError);
    res.status(status).json(body);
    return;
  }
  const bodyError = bodyParserError(error);
  if (bodyError) {
    res.status(bodyError.status).json({ error: bodyError.message, code: bodyError.code });
    return;
  }
  console.error('unexpected error:', error);
  res.status(500).json({ error: 'internal error (logged by the gateway app)', code: 'INTERNAL' });
};

/** The errors express's body parsers raise (they carry `type` and `status`). */
export function bodyParserError(error: unknown): HttpError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const typed = error as { type?: string; status?: number; message?: string; limit?: number };
  if (typed.type === 'entity.too.large') {
    return tooLarge(`request body too large (limit ${String(typed.limit)} bytes)`);
  }
  if (typed.type === 'entity.parse.failed') {
    return badRequest(`malformed JSON body: ${String(typed.message)}`);
  }
  if (typeof typed.status === 'number' && typed.status >= 400 && typed.status < 500) {
    return new HttpError(typed.status, typed.message ?? 'bad request', 'BAD_REQUEST');
  }
  return undefined;
}
