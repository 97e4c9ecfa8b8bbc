import type { HandlerContext } from './deps.js';

/**
 * The pump's journal around each ledger call: `<call>-sent` just before the submit and the
 * outcome entry (`delivery-confirmed`, `result-delivered`, `result-rejected`) just after. A
 * crash between the two leaves a `-sent` with no outcome; when the event is read again and the
 * ledger shows the call took effect, `recordRecovered` writes the missing outcome, so the
 * journal always tells what happened.
 */
export const SENT = {
  'delivery-confirmed': 'confirm-delivery-sent',
  'result-delivered': 'deliver-result-sent',
  'result-rejected': 'reject-result-sent',
} as const;
export type Outcome = keyof typeof SENT;

/** Journals the call, makes it, journals its outcome. */
export async function journaled<T>(
  context: HandlerContext,
  outcome: Outcome,
  call: () => Promise<T>,
  detail: (result: T) => string,
): Promise<T> {
  const { deps, channel, tradeId } = context;
  await deps.store.logPump(channel, tradeId, SENT[outcome]);
  const result = await call();
  await deps.store.logPump(channel, tradeId, outcome, detail(result));
  return result;
}

/**
 * After a crash: if the journal shows `outcome`'s call sent but not its outcome, and the
 * ledger now shows it took effect, journal the outcome (detail says it was recovered).
 * Returns true if it wrote one.
 */
export async function recordRecovered(context: HandlerContext, outcome: Outcome): Promise<boolean> {
  const { deps, channel, tradeId } = context;
  const actions = (await deps.store.pumpLog(channel, tradeId)).map((entry) => entry.action);
  const sent = actions.lastIndexOf(SENT[outcome]);
  if (sent < 0 || actions.slice(sent).includes(outcome)) return false;
  await deps.store.logPump(channel, tradeId, outcome, 'recovered: the ledger shows it committed');
  return true;
}
