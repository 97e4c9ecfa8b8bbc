/** How listings, trades and ledger records are shown in tables and blocks. */
import type { Listing, Trade } from '../gateway/types.js';
import { keyValues, table } from './format.js';

export const short = (id: string | null | undefined, n = 16) =>
  id ? (id.length > n ? `${id.slice(0, n)}…` : id) : '-';

export const when = (ms: number | null | undefined) =>
  ms ? new Date(ms).toISOString().replace('.000Z', 'Z') : '-';

/** The CN of an account id, for tables. */
export const who = (account: string) => /CN=([^/:]+)/.exec(account)?.[1] ?? short(account, 24);

/** A listing's computation policy in a few words: what its seller decrypts. */
export const policyOf = (l: Listing) =>
  l.computationPolicy.mode === 'open'
    ? 'open (any code, risk: raw cells)'
    : `approved: ${l.computationPolicy.computations.map((c) => c.id).join(', ')}`;

export function listingsTable(records: Listing[]): string {
  return table(
    [
      'id',
      'title',
      'price',
      'deposit',
      'rows×cols',
      'bound',
      'budget/key',
      'sample',
      'policy',
      'preset',
      'state',
      'seller',
    ],
    records.map((l) => [
      l.id,
      l.title,
      l.price,
      l.deposit,
      `${l.schema.rowCount}×${l.schema.columns.length}`,
      l.leakageBound,
      l.maxValuesPerKey,
      l.freeSample ? l.sampleKind : '-',
      policyOf(l),
      l.ckksPreset,
      l.state,
      who(l.seller),
    ]),
  );
}

export function tradesTable(records: Trade[]): string {
  return table(
    ['trade', 'dataset', 'state', 'computation', 'price', 'escrow', 'buyer', 'seller', 'updated'],
    records.map((t) => [
      short(t.tradeId),
      t.datasetId,
      t.state,
      t.computation ? `${t.computation.computationId} ${t.computation.verification}` : '-',
      t.price,
      t.escrow,
      who(t.buyer),
      who(t.seller),
      when(t.updatedAt),
    ]),
  );
}

export function tradeBlock(t: Trade): string {
  return keyValues([
    ['trade', t.tradeId],
    ['dataset', t.datasetId],
    ['state', t.state],
    ['price / deposit', `${t.price} / ${t.deposit}`],
    ['escrow', t.escrow],
    ['paid to seller / buyer', `${t.paidToSeller} / ${t.paidToBuyer}`],
    ['buyer', t.buyer],
    ['seller', t.seller],
    ['deliver by', when(t.deliverBy)],
    ['bundle', t.bundleHash ? `${t.bundleHash} (${t.bundleBytes} bytes)` : '-'],
    ['result by', when(t.resultBy)],
    ['result hash / values', t.resultHash ? `${t.resultHash} / ${t.valueCount}` : '-'],
    ['decrypt by', when(t.decryptBy)],
    ['result digest', t.resultDigest],
    ['reject reason', t.rejectReason],
    [
      'computation',
      t.computation
        ? `${t.computation.computationId} (${t.computation.verification}; params ${short(t.computation.paramsHash)})`
        : 'none named (open listing: not verified)',
    ],
    ['refund basis', t.refundBasis],
  ]);
}
