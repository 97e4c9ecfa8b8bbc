/**
 * Growth bench: the queries an auditor and a buyer make, timed on a ledger of 100k trades and
 * 10k accounts. The ledger is populated through the real contract running in process on the
 * fake ledger (a real network cannot be filled with 100k trades in a bench's time), so the
 * figures are the contract's own cost per query shape, not LevelDB's; what matters is how each
 * grows (or not) with the ledger.
 *
 * `node application/dist/bench/ledger-growth.js [--trades N] [--accounts N]`
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import {
  compareKeys,
  identity,
  accountOf,
  orgAdmin,
  InProcessMarket,
  type FakeLedger,
  type Identity,
  type TxName,
} from '@datamarket/chaincode/testing';
import { table } from '../src/cli/format.js';
import { generateResultKeyPair } from '../src/gateway/crypto/result-envelope.js';

/** The fake ledger's fields, reached past TypeScript's `private` to load it in bulk. */
interface LedgerInternals {
  state: Map<string, Uint8Array>;
  keys: string[];
  histories: Map<
    string,
    { txId: string; timestampMs: number; isDelete: boolean; value: Uint8Array }[]
  >;
  apply: FakeLedger['apply'];
}

/**
 * Loading: the fake ledger keeps its keys sorted on every commit (an insert into an array of a
 * million keys); here commits only fill the map and the keys are sorted once at the end. No
 * range read happens while loading (every debit is covered by its base), so nothing needs order.
 */
function bulkLoad(
  ledger: FakeLedger,
  keepHistory: (key: string) => boolean,
): { start: () => void; finish: () => void } {
  const internals = ledger as unknown as LedgerInternals;
  const original = internals.apply.bind(ledger);
  const bulk: FakeLedger['apply'] = (txId, timestampMs, writes) => {
    for (const [key, value] of writes) {
      if (value === null) internals.state.delete(key);
      else internals.state.set(key, value);
      if (keepHistory(key)) {
        const list = internals.histories.get(key) ?? [];
        list.push({
          txId,
          timestampMs,
          isDelete: value === null,
          value: value ?? new Uint8Array(),
        });
        internals.histories.set(key, list);
      }
    }
  };
  return {
    start: () => {
      internals.apply = bulk;
    },
    finish: () => {
      internals.apply = original;
      const sorted = [...internals.state.keys()].sort(compareKeys);
      internals.keys.length = 0;
      for (const key of sorted) internals.keys.push(key);
    },
  };
}

const SELLER_APP_URL = 'https://seller.example.com:8443/gateway';
const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) || fallback : fallback;
};

export interface Growth {
  /** [query, time, answer] per query. */
  rows: string[][];
  keys: number;
}

/**
 * Loads `trades` trades among `accounts` buyers and 100 sellers, then times each query;
 * `progress` hears the loading.
 */
export async function measureGrowth(
  trades: number,
  accounts: number,
  progress: (line: string) => void = () => undefined,
): Promise<Growth> {
  const sellers = 100;
  const listingsPerSeller = 10;
  let now = Date.UTC(2026, 0, 1, 12);
  const market = new InProcessMarket(() => now);
  const auditor = identity('AuditorMSP', 'Admin', 'auditor');
  const buyers = Array.from({ length: accounts }, (_, i) =>
    identity('BuyerMSP', `User${i}`, 'buyer'),
  );
  const sellerIds = Array.from({ length: sellers }, (_, i) =>
    identity('SellerMSP', `User${i}`, 'seller'),
  );
  const at = (list: Identity[], i: number): Identity => list[i % list.length] ?? auditor;
  const call = async (who: Identity, fn: TxName, args: string[]) => market.invoke(who, fn, args);
  const sampleTrades = new Set<string>();
  const load = bulkLoad(market.ledger, (key) => [...sampleTrades].some((id) => key.includes(id)));
  const key = generateResultKeyPair().publicKeyPem;
  const started = performance.now();

  await call(auditor, 'Initialize', ['']);
  // A listing names its seller org's app, which an admin of that org registers first.
  await call(orgAdmin('SellerMSP', 'seller'), 'RegisterOrgApp', [SELLER_APP_URL]);
  load.start();
  for (const b of buyers) await call(auditor, 'MintTo', [accountOf(b), '100000']);
  for (const [j, s] of sellerIds.entries()) {
    for (let l = 0; l < listingsPerSeller; l++) {
      await call(s, 'CreateListing', [JSON.stringify(listing(`ds-${j}-${l}`))]);
    }
  }
  // Minting wrote credit keys: fold them into each buyer's base now, so that no purchase
  // below needs a range read (the bulk load keeps no key order until it finishes).
  load.finish();
  for (const b of buyers) await call(b, 'CompactBalance', []);
  load.start();
  let lastSettled = '';
  for (let k = 0; k < trades; k++) {
    const datasetId = `ds-${k % sellers}-${Math.floor(k / sellers) % listingsPerSeller}`;
    const seller = at(sellerIds, k);
    const buyer = at(buyers, k);
    const last = k >= trades - 5;
    const { txId: id } = await call(buyer, 'Purchase', [datasetId, key]);
    if (last) sampleTrades.add(id);
    const shape = k % 5; // 0-2 stay PAID, 3 DELIVERED, 4 SETTLED
    if (shape >= 3) await call(seller, 'ConfirmDelivery', [id, sha(`b${id}`), '4096']);
    if (shape === 4) {
      await call(buyer, 'SubmitResult', [id, sha(`r${id}`), '3']);
      await call(seller, 'DeliverResult', [id, Buffer.from(id).toString('base64'), sha(id)]);
      lastSettled = id;
    }
    if (k % 10_000 === 0) progress(`\rloading: ${k}/${trades} trades  `);
  }
  load.finish();
  const loadSeconds = (performance.now() - started) / 1000;
  progress(`\rloaded ${trades} trades, ${accounts} accounts in ${loadSeconds.toFixed(0)} s\n`);

  const time = async (label: string, fn: TxName, args: string[], runs = 10): Promise<string[]> => {
    const t0 = performance.now();
    let result = '';
    for (let r = 0; r < runs; r++) result = (await call(auditor, fn, args)).result;
    const ms = (performance.now() - t0) / runs;
    return [label, `${ms.toFixed(2)} ms`, summarize(fn, result)];
  };
  const anyBuyer = accountOf(at(buyers, 7));
  const rows = [
    await time('AuditSupply (full recount)', 'AuditSupply', [], 1),
    await time('AuditSupplyTotals (no checkpoint yet)', 'AuditSupplyTotals', [], 1),
  ];
  now += 3600_000;
  const cp = performance.now();
  await call(auditor, 'CheckpointSupply', []);
  rows.push([
    'CheckpointSupply (folds every delta, once)',
    `${(performance.now() - cp).toFixed(0)} ms`,
    '',
  ]);
  rows.push(
    await time('AuditSupplyTotals (after checkpoint)', 'AuditSupplyTotals', []),
    await time('ListTradesByState PAID, page of 50', 'ListTradesByState', ['PAID', '50', '']),
    await time('ListTradesByState SETTLED, page of 50', 'ListTradesByState', ['SETTLED', '50', '']),
    await time('ListListings, page of 50', 'ListListings', ['50', '']),
    await time('ListTradesByBuyer, page of 20', 'ListTradesByBuyer', [anyBuyer, '20', '']),
    await time('GetTradeHistory of a settled trade', 'GetTradeHistory', [lastSettled]),
    await time(
      `BalanceOf a seller (${String(Math.floor(trades / sellers))} credit keys)`,
      'BalanceOf',
      [accountOf(at(sellerIds, 4))],
    ),
  );
  await call(at(sellerIds, 4), 'CompactBalance', []);
  rows.push(
    await time('BalanceOf that seller after CompactBalance', 'BalanceOf', [
      accountOf(at(sellerIds, 4)),
    ]),
  );
  return { rows, keys: market.ledger.size() };
}

async function main(): Promise<void> {
  const trades = arg('--trades', 100_000);
  const accounts = arg('--accounts', 10_000);
  const { rows, keys } = await measureGrowth(trades, accounts, (line) =>
    process.stderr.write(line),
  );
  console.log(
    `\ngrowth: ${trades} trades, ${accounts} accounts, ${keys} keys (in-process contract on the fake ledger)`,
  );
  console.log(table(['query', 'time', 'answer'], rows));
}

function summarize(fn: TxName, result: string): string {
  if (fn === 'BalanceOf') return result;
  const parsed = JSON.parse(result) as Record<string, unknown>;
  if (Array.isArray(parsed.records)) return `${String(parsed.records.length)} records`;
  if (Array.isArray(parsed)) return `${String(parsed.length)} entries`;
  if ('balanced' in parsed)
    return `balanced=${String(parsed.balanced)}${'deltas' in parsed ? `, ${String(parsed.deltas)} deltas` : ''}`;
  return '';
}

function listing(id: string): Record<string, unknown> {
  return {
    id,
    title: `dataset ${id}`,
    description: 'growth bench',
    schema: { columns: ['a', 'b'], rowCount: 100 },
    price: '10',
    deposit: '1',
    deliverWithin: 86_400,
    resultWithin: 86_400,
    decryptWithin: 86_400,
    leakageBound: 10,
    ckksPreset: 'default-8192',
    sellerGatewayUrl: SELLER_APP_URL,
    freeSample: true,
  };
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  });
}
