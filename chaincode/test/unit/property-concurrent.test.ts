/**
 * Property test of the balance model under Fabric's MVCC: random batches of settlements
 * paying one seller, refunds to one buyer and transfers into one account, endorsed against the
 * same state and committed as one block in a random order, all commit (credits are blind
 * writes of keys of their own); concurrent debits of one account serialise (one commits, the
 * others meet an MVCC conflict the app retries). Books stay exact: AuditSupply's recount and
 * the running totals agree with a model, before and after CompactBalance and CheckpointSupply.
 */
import '../support/quiet.js';
import { expect } from 'chai';
import fc from 'fast-check';
import type { SupplyAudit, Trade } from '../../src/types.js';
import type { TotalsAudit } from '../../src/totals.js';
import { commitBlock, endorse, type Endorsed } from '../support/mvcc.js';
import { accountOf, auditor, identity, listingInput, Market, RESULT_KEY, sha } from './market.js';

const seller = identity('SellerMSP', 'User1', 'seller');
const buyers = [1, 2, 3].map((i) => identity('BuyerMSP', `User${i}`, 'buyer'));
const PRICE = 100n;
const DEPOSIT = 20n;
const FUNDS = 10_000n;

async function books(m: Market, expected: Map<string, bigint>, supply: bigint): Promise<void> {
  for (const [account, balance] of expected) {
    expect(await m.balance(account), account).to.equal(balance);
  }
  const audit = await m.json<SupplyAudit>(auditor, 'AuditSupply');
  expect(audit.problems).to.deep.equal([]);
  expect(audit.totalSupply).to.equal(String(supply));
  const totals = await m.json<TotalsAudit>(auditor, 'AuditSupplyTotals');
  expect(totals.problems).to.deep.equal([]);
  expect([totals.sumOfBalances, totals.sumOfEscrow]).to.deep.equal([
    audit.sumOfBalances,
    audit.sumOfEscrow,
  ]);
}

async function market(): Promise<Market> {
  const m = new Market();
  await m.fund(buyers.map((b) => [b, Number(FUNDS)]));
  await m.call(seller, 'CreateListing', [JSON.stringify(listingInput())]);
  return m;
}

/** A trade in RESULT_SUBMITTED: the seller's DeliverResult settles it. */
async function submittedTrade(m: Market, buyerIndex: number): Promise<string> {
  const b = buyers[buyerIndex] ?? expect.fail('no such buyer');
  const id = (await m.invoke(b, 'Purchase', ['heart-2024', RESULT_KEY])).txId;
  await m.call(seller, 'ConfirmDelivery', [id, sha('bundle'), '4096']);
  await m.call(b, 'SubmitResult', [id, sha(`result ${id}`), '3']);
  return id;
}

interface Batch {
  /** Trades the seller settles, with the index of their buyer. */
  settle: { id: string; b: number }[];
  /** Trades their buyer withdraws from. */
  refund: { id: string; b: number }[];
  /** Buyer i transfers transfers[i] to the seller. */
  transfers: number[];
}

function buyerAt(b: number): (typeof buyers)[number] {
  return buyers[b] ?? expect.fail(`no buyer ${b}`);
}

async function prepare(
  m: Market,
  settleBy: number[],
  refundBy: number[],
  transfers: number[],
): Promise<Batch> {
  const batch: Batch = { settle: [], refund: [], transfers: transfers.slice(0, buyers.length) };
  for (const b of settleBy) batch.settle.push({ id: await submittedTrade(m, b), b });
  for (const b of refundBy) {
    const id = (await m.invoke(buyerAt(b), 'Purchase', ['heart-2024', RESULT_KEY])).txId;
    batch.refund.push({ id, b });
  }
  return batch;
}

/** One block: settlements and transfers pay the seller, refunds pay buyers back. */
async function endorseAll(m: Market, batch: Batch): Promise<Endorsed[]> {
  const out: Endorsed[] = [];
  const at = m.now;
  for (const { id } of batch.settle) {
    const args = [id, Buffer.from(id).toString('base64'), sha(id)];
    out.push(await endorse(m.ledger, m.contract, seller, 'DeliverResult', args, at));
  }
  for (const { id, b } of batch.refund) {
    out.push(await endorse(m.ledger, m.contract, buyerAt(b), 'Refund', [id], at));
  }
  for (const [i, amount] of batch.transfers.entries()) {
    const args = [accountOf(seller), String(amount)];
    out.push(await endorse(m.ledger, m.contract, buyerAt(i), 'Transfer', args, at));
  }
  return out;
}

/** The model: what each account must hold after the block. */
async function expectedBalances(m: Market, batch: Batch): Promise<Map<string, bigint>> {
  let toSeller = 0n;
  const spent = new Map<number, bigint>();
  const spend = (b: number, amount: bigint) => spent.set(b, (spent.get(b) ?? 0n) + amount);
  for (const { id, b } of batch.settle) {
    const t = await m.json<Trade>(auditor, 'GetTrade', [id]);
    expect(t.state).to.equal('SETTLED');
    toSeller += BigInt(t.paidToSeller);
    spend(b, PRICE + DEPOSIT - BigInt(t.paidToBuyer));
  }
  for (const [i, amount] of batch.transfers.entries()) {
    toSeller += BigInt(amount);
    spend(i, BigInt(amount));
  }
  const expected = new Map<string, bigint>([[accountOf(seller), toSeller]]);
  for (const [i, b] of buyers.entries()) expected.set(accountOf(b), FUNDS - (spent.get(i) ?? 0n));
  return expected;
}

function shuffled<T>(items: T[], keys: number[]): T[] {
  return items
    .map((item, i) => ({ item, k: keys[i % keys.length] ?? 0 }))
    .sort((a, b) => a.k - b.k)
    .map(({ item }) => item);
}

describe('property: concurrent credits to one account under MVCC', () => {
  it('settlements, refunds and transfers in one block all commit and the books stay exact', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 25 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 10 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 10 }),
        fc.array(fc.integer(), { minLength: 1, maxLength: 50 }),
        fc.boolean(),
        async (settleBy, refundBy, transfers, order, compactFirst) => {
          const m = await market();
          const batch = await prepare(m, settleBy, refundBy, transfers);
          if (compactFirst) await m.call(seller, 'CompactBalance');
          const validations = commitBlock(m.ledger, shuffled(await endorseAll(m, batch), order));
          expect(
            validations.every((v) => v === 'VALID'),
            validations.join(),
          ).to.equal(true);
          const expected = await expectedBalances(m, batch);
          await books(m, expected, FUNDS * BigInt(buyers.length));
          // Compaction changes the keys, never the balances or the totals.
          await m.call(seller, 'CompactBalance');
          m.advance(3600);
          await m.call(auditor, 'CheckpointSupply');
          await books(m, expected, FUNDS * BigInt(buyers.length));
          const totals = await m.json<TotalsAudit>(auditor, 'AuditSupplyTotals');
          expect(totals.deltas).to.equal(0);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('one buyer’s concurrent purchases: one commits per block, the rest meet an MVCC conflict', async () => {
    const m = await market();
    const buyer = buyers[0] ?? expect.fail();
    const block = await Promise.all(
      [0, 1, 2, 3].map(() =>
        endorse(m.ledger, m.contract, buyer, 'Purchase', ['heart-2024', RESULT_KEY], m.now),
      ),
    );
    expect(commitBlock(m.ledger, block)).to.deep.equal([
      'VALID',
      'MVCC_READ_CONFLICT',
      'MVCC_READ_CONFLICT',
      'MVCC_READ_CONFLICT',
    ]);
    expect(await m.balance(buyer)).to.equal(FUNDS - PRICE - DEPOSIT);
  });

  it('a debit the base cannot cover folds the credits first (lazy compaction)', async () => {
    const m = await market();
    const id = await submittedTrade(m, 0);
    await m.call(seller, 'DeliverResult', [id, Buffer.from(id).toString('base64'), sha(id)]);
    const credits = () => m.ledger.range('\u0000credit\u0000', '\u0000credit\u0001').length;
    expect(credits()).to.be.greaterThan(0);
    await m.call(seller, 'Transfer', [accountOf(buyers[1] ?? expect.fail()), '1']);
    expect(
      m.ledger.range(
        `\u0000credit\u0000${accountOf(seller)}\u0000`,
        `\u0000credit\u0000${accountOf(seller)}\u0001`,
      ),
    ).to.deep.equal([]);
    expect(await m.balance(seller)).to.equal(PRICE - 1n);
  });
});
