import type { ErrorRequestHandler, RequestHandler } from 'express';

/** An error the client caused or may act on: it becomes this status with this message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string) => new HttpError(400, message);
export const unauthorized = (message: string) => new HttpError(401, message);
export const forbidden = (message: string) => new HttpError(403, message);
export const notFound = (message: string) => new HttpError(404, message);
export const conflict = (message: string) => new HttpError(409, message);

/** The contract's refusals, recognised by the wording of their messages (docs/chaincode.md). */
const contractRefusals: [RegExp, number][] = [
  [/does not exist|not found|unknown/i, 404],
  [/only the|not allowed|not authori[sz]ed|may not|cannot be called by|access denied/i, 403],
  [/state|deadline|already|insufficient|exceeds|delisted/i, 409],
  [/invalid|must be|malformed|bad |too (long|large|many)/i, 400],
];

/** Text of a chaincode error carried inside a Fabric Gateway error, if there is one. */
export function contractErrorMessage(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const details = (error as { details?: { message?: string }[] }).details;
  const detail = details?.find((d) => d.message)?.message;
  const text = detail ?? error.message;
  const match = /chaincode response \d+, (.*)$/s.exec(text) ?? /message=(.*)$/s.exec(text);
  return match?.[1]?.trim();
}

export function httpErrorFromContract(error: unknown): HttpError | undefined {
  const message = contractErrorMessage(error);
  if (!message) return undefined;
  const status = contractRefusals.find(([pattern]) => pattern.test(message))?.[1] ?? 400;
  return new HttpError(status, message);
}

export const notFoundRoute: RequestHandler = (req, _res, next) =>
  next(notFound(`no route ${req.method} ${req.path}`));

/** Turns every error into a JSON body; never lets one crash the process. */
export const errorHandler: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  const known =
    error instanceof HttpError
      ? error
      : httpErrorFromContract(error) ?? bodyParserError(error);
  if (known) {
    res.status(known.status).json({ error: known.message });
    return;
  }
  console.error('unexpected error:', error);
  res.status(500).json({ error: 'internal error (logged by the gateway app)' });
};

function bodyParserError(error: unknown): HttpError | undefined {
  const typed = error as { type?: string; status?: number; message?: string; limit?: number };
  if (typed?.type === 'entity.too.large') {
    return new HttpError(413, `request body too large (limit ${typed.limit} bytes)`);
  }
  if (typed?.type === 'entity.parse.failed') return badRequest(`malformed JSON body: ${typed.message}`);
  if (typeof typed?.status === 'number' && typed.status >= 400 && typed.status < 500) {
    return new HttpError(typed.status, typed.message ?? 'bad request');
  }
  return undefined;
}
