import { channelParams } from '../schemas/fields.js';
import { balanceCompactionSchema } from '../schemas/supply.js';
import { defineRoute, type Route } from './route.js';

/**
 * The caller's balance upkeep. Credits (payouts, refunds, transfers in) are keys of their own,
 * so BalanceOf reads one key per credit until the owner folds them into its base; a debit does
 * so only when the base alone is short (chaincode/src/token.ts).
 */
export const balanceRoutes: Route[] = [
  defineRoute({
    method: 'post',
    path: '/api/channels/{channel}/account/compact',
    role: 'any',
    auth: 'token',
    body: 'none',
    summary:
      "fold the caller's credit keys into its balance (CompactBalance): the balance is unchanged, reading it costs one key again",
    params: channelParams,
    response: {
      description: 'the balance and how many credits were folded',
      schema: balanceCompactionSchema,
    },
    errors: { 409: 'conflicts after retries' },
    handler: async ({ user, params: { channel } }, { ledger }) => ({
      body: await ledger.compactBalance(user, channel),
    }),
  }),
];
