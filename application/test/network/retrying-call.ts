import { call as callOnce } from './e2e-support.js';

/**
 * A route call (e2e-support's `call`, checked against the OpenAPI description), sent again
 * when the connection is reset before any answer (a kept-alive socket the app closed while the
 * test computed). Reads and partial uploads are safe to repeat (the member app accepts the
 * same bytes again); a POST that did go through the first time is refused the second (409),
 * which fails the test rather than hiding anything.
 */
export async function call<T = Record<string, unknown>>(
  ...args: Parameters<typeof callOnce>
): Promise<Awaited<ReturnType<typeof callOnce<T>>>> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await callOnce<T>(...args);
    } catch (error) {
      if (!(error instanceof TypeError) || attempt >= 3) throw error;
    }
  }
}
