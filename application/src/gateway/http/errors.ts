import type { ErrorRequestHandler, RequestHandler } from 'express';

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

/** The contract's refusal codes (docs/chaincode.md) and the HTTP status each becomes. */
export const contractCodeStatus: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  FORBIDDEN: 403,
  WRONG_STATE: 409,
  DEADLINE: 409,
  INSUFFICIENT_FUNDS: 409,
  LIMIT: 409,
  NOT_INITIALIZED: 409,
  TERMS_CHANGED: 409,
  CLOCK_SKEW: 409,
};

/** Text of a chaincode error carried inside a Fabric Gateway error, if there is one. */
export function contractErrorMessage(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const details = (error as { details?: { message?: string }[] }).details;
  const texts = [...(details ?? []).map((d) => d.message ?? ''), error.message];
  for (const text of texts) {
    const match = /chaincode response \d+, (.*)$/s.exec(text);
    if (match?.[1]) return match[1].trim();
  }
  return undefined;
}

/** gRPC status codes the Fabric Gateway uses for errors that are not the contract's. */
const grpcStatus: Record<number, number> = { 5: 404, 7: 403, 14: 503, 4: 504 };

export function httpErrorFromContract(error: unknown): HttpError | undefined {
  const message = contractErrorMessage(error);
  if (message) {
    const code = /^([A-Z_]+): /.exec(message)?.[1];
    const status = code ? contractCodeStatus[code] : undefined;
    if (status) return new HttpError(status, message, code);
    // fabric-contract-api's own refusals (argument count, unknown function)
    return new HttpError(400, message, 'INVALID_ARGUMENT');
  }
  const typed = error as { code?: unknown; message?: unknown; details?: unknown };
  if (error instanceof Error && typeof typed.code === 'number' && Array.isArray(typed.details)) {
    const details = (typed.details as { message?: string }[]).map((d) => d.message).join('; ');
    const text = `${error.message}${details ? ` (${details})` : ''}`;
    if (/access denied|permission denied|not authorized|creator .* not allowed/i.test(text)) {
      return new HttpError(403, `the ledger refused the caller: ${text}`, 'LEDGER_ACCESS_DENIED');
    }
    if (/no metadata was found for chaincode|no combination of peers can be derived/i.test(text)) {
      return new HttpError(
        403,
        `this org's peer cannot serve the contract on that channel (is the org a member?): ${text}`,
        'CHANNEL_NOT_ACCESSIBLE',
      );
    }
    if (
      /channel .*not found|cannot find channel|no such channel|failed to get config for channel|could not get last config for channel/i.test(
        text,
      )
    ) {
      return new HttpError(
        404,
        `this org's peer is not in that channel: ${text}`,
        'CHANNEL_NOT_FOUND',
      );
    }
    const status = grpcStatus[typed.code];
    if (status) return new HttpError(status, `ledger error: ${text}`, 'LEDGER_ERROR');
  }
  return undefined;
}

export const notFoundRoute: RequestHandler = (req, _res, next) =>
  next(notFound(`no route ${req.method} ${req.path}`));

/** Turns every error into a JSON body `{error, code}`; never lets one crash the process. */
export const errorHandler: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  const known =
    error instanceof HttpError ? error : (httpErrorFromContract(error) ?? bodyParserError(error));
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (known) {
    res.status(known.status).json({ error: known.message, code: known.code ?? 'ERROR' });
    return;
  }
  console.error('unexpected error:', error);
  res.status(500).json({ error: 'internal error (logged by the gateway app)', code: 'INTERNAL' });
};

export function bodyParserError(error: unknown): HttpError | undefined {
  const typed = error as { type?: string; status?: number; message?: string; limit?: number };
  if (typed?.type === 'entity.too.large') {
    return tooLarge(`request body too large (limit ${typed.limit} bytes)`);
  }
  if (typed?.type === 'entity.parse.failed') {
    return badRequest(`malformed JSON body: ${typed.message}`);
  }
  if (typeof typed?.status === 'number' && typed.status >= 400 && typed.status < 500) {
    return new HttpError(typed.status, typed.message ?? 'bad request', 'BAD_REQUEST');
  }
  return undefined;
}
