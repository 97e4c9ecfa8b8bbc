/**
 * A child process for store-durability.test.ts: opens the SQLite store at argv[2] and writes
 * without pause, many at once (what group commit batches): a buyer key and a pump journal
 * entry per trade. It prints `written <tradeId>` once both writes resolved, and runs until it
 * is killed.
 */
import { SqliteSellerStore } from '../../../../src/gateway/store/seller-store.js';

const file = process.argv[2];
if (!file) throw new Error('usage: killed-writer.js STORE_FILE');
const store = await SqliteSellerStore.open(file);
const AT_ONCE = 8;

async function writer(lane: number): Promise<never> {
  for (let i = 0; ; i++) {
    const tradeId = `${String(lane)}-${String(i)}`;
    await Promise.all([
      store.putBuyerKey({
        channel: 'market',
        tradeId,
        publicKeyPem: `public ${tradeId}`,
        sealedPrivateKey: Buffer.from(`sealed ${tradeId}`),
      }),
      store.logPump('market', tradeId, 'deliver-result-sent', tradeId),
    ]);
    process.stdout.write(`written ${tradeId}\n`);
  }
}

await Promise.all(Array.from({ length: AT_ONCE }, (_, lane) => writer(lane)));
