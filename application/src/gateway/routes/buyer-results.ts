import type { z } from 'zod';
import {
  decryptWithResultKey,
  generateResultKeyPair,
  sha256Hex,
} from '../crypto/result-envelope.js';
import { badGateway, HttpError, notFound } from '../http/errors.js';
import { labels } from '../key-labels.js';
import { CommitOutcomeUnknown } from '../ledger/errors.js';
import type { purchaseBody } from '../schemas/requests.js';
import { plainResultSchema, type deliveredPlainResultSchema } from '../schemas/responses.js';
import type { Trade } from '../types.js';
import type { RouteContext } from './context.js';
import type { JsonReply, PendingReply } from './route.js';

/** The buyer's result key: made and sealed by the buyer's app at purchase, opened at the end. */

/**
 * Purchases, keeping a fresh result key under the trade id (known before endorsement) so the
 * seller's delivery can be decrypted by this app only. When the commit's outcome is unknown the
 * answer is a 202 with the trade id to follow, and the key stays: the trade may be on chain.
 */
export async function purchaseKeeping(
  { ledger, store, sealer }: RouteContext,
  user: string,
  channel: string,
  body: z.output<typeof purchaseBody>,
): Promise<JsonReply<Trade> | PendingReply> {
  const keys = generateResultKeyPair();
  const { datasetId, expectedPrice, expectedDeposit, requestId } = body;
  const expected =
    expectedPrice !== undefined && expectedDeposit !== undefined
      ? { price: expectedPrice, deposit: expectedDeposit }
      : undefined;
  try {
    const { result } = await ledger.purchase(
      user,
      channel,
      {
        datasetId,
        buyerResultKey: keys.publicKeyPem,
        ...(expected ? { expected } : {}),
        ...(requestId === undefined ? {} : { requestId }),
      },
      (tradeId) =>
        store.putBuyerKey({
          channel,
          tradeId,
          publicKeyPem: keys.publicKeyPem,
          sealedPrivateKey: sealer.seal(
            Buffer.from(keys.privateKeyPem),
            labels.buyerKey(channel, tradeId),
          ),
        }),
    );
    // With a request id seen before, the ledger answers the first trade (not this txId).
    return { status: 201, body: result, location: tradeLocation(channel, result.tradeId) };
  } catch (error) {
    if (!(error instanceof CommitOutcomeUnknown)) throw error;
    const location = tradeLocation(channel, error.txId);
    return {
      status: 202,
      location,
      body: {
        pending: true,
        txId: error.txId,
        tradeId: error.txId,
        location,
        message: `${error.message}; follow the trade (404 until it commits)`,
      },
    };
  }
}

const tradeLocation = (channel: string, tradeId: string) =>
  `/api/channels/${channel}/trades/${tradeId}`;

const resultMismatch = (message: string) => new HttpError(502, message, 'RESULT_MISMATCH');

/**
 * Reads the delivered result off the ledger, decrypts it, and checks it is what the ledger
 * promised: its digest, that it is a result, and that it names this trade and dataset (502
 * RESULT_MISMATCH otherwise).
 */
export async function openDeliveredResult(
  { ledger, store, sealer }: RouteContext,
  user: string,
  channel: string,
  trade: Pick<Trade, 'tradeId' | 'datasetId'>,
): Promise<z.input<typeof deliveredPlainResultSchema>> {
  const { tradeId } = trade;
  const delivered = await ledger.getDeliveredResult(user, channel, tradeId);
  const key = await store.getBuyerKey(channel, tradeId);
  if (!key) throw notFound(`this app holds no result key for trade ${tradeId} (bought elsewhere?)`);
  const privateKeyPem = sealer
    .open(key.sealedPrivateKey, labels.buyerKey(channel, tradeId))
    .toString();
  let plaintext: Buffer;
  try {
    plaintext = decryptWithResultKey(privateKeyPem, delivered.encryptedResult);
  } catch (error) {
    throw badGateway(
      `the delivered result does not decrypt: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const digest = sha256Hex(plaintext);
  if (digest !== delivered.resultDigest) {
    throw resultMismatch(
      `the delivered result's digest ${digest} differs from the ledger's ${delivered.resultDigest}`,
    );
  }
  const json = parseJson(plaintext.toString('utf8'));
  if (json === undefined) {
    throw resultMismatch(`the delivered plaintext of trade ${tradeId} is not JSON`);
  }
  const result = plainResultSchema.safeParse(json);
  if (!result.success) {
    throw resultMismatch(
      `the delivered plaintext of trade ${tradeId} is not a result {tradeId, datasetId, values}`,
    );
  }
  // The seller must not hand this trade a result made for another one.
  if (result.data.tradeId !== tradeId || result.data.datasetId !== trade.datasetId) {
    throw resultMismatch(
      `the delivered result names trade ${result.data.tradeId} of ${result.data.datasetId}, not trade ${tradeId} of ${trade.datasetId}`,
    );
  }
  return { tradeId, resultDigest: digest, verified: true, result: result.data };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
