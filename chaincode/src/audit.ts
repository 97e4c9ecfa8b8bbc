import { BALANCE, CREDIT, TRADE } from './keys.js';
import { auditPoolEscrow } from './pool/audit.js';
import type { Tx } from './ledger.js';
import { totalSupply } from './token.js';
import { auditTotals } from './totals.js';
import { tradeFromStored } from './trade/record.js';
import { OPEN_STATES, type SupplyAudit } from './types.js';

const AMOUNT = /^(0|[1-9][0-9]*)$/;

/** Sums the base and credit keys of every account; counts the accounts holding either. */
async function sumBalances(
  tx: Tx,
  problems: string[],
): Promise<{ sumOfBalances: bigint; accounts: number }> {
  const holders = new Set<string>();
  let sumOfBalances = 0n;
  for (const objectType of [BALANCE, CREDIT]) {
    for await (const { key, value } of tx.scan(objectType)) {
      holders.add(key.split('\u0000')[2] ?? key);
      if (!AMOUNT.test(value)) {
        problems.push(`${objectType} ${JSON.stringify(key)} holds ${JSON.stringify(value)}`);
        continue;
      }
      sumOfBalances += BigInt(value);
    }
  }
  return { sumOfBalances, accounts: holders.size };
}

/**
 * Sums every balance and every trade's escrow and compares them with the total supply and
 * with the running totals (totals.ts). Also checks each trade's own books: escrow + paid out
 * = price + deposit, and escrow is price + deposit while open and 0 once closed. A query that
 * scans every balance and trade: AuditSupplyTotals is the audit whose cost does not grow.
 */
export async function auditSupply(tx: Tx): Promise<SupplyAudit> {
  const problems: string[] = [];
  const supply = await totalSupply(tx);
  const { sumOfBalances, accounts } = await sumBalances(tx, problems);
  let sumOfEscrow = 0n;
  let trades = 0;
  let openTrades = 0;
  for await (const { value } of tx.scan(TRADE)) {
    trades += 1;
    const trade = tradeFromStored(value);
    const amounts = [
      trade.price,
      trade.deposit,
      trade.escrow,
      trade.paidToSeller,
      trade.paidToBuyer,
    ];
    if (!amounts.every((a) => typeof a === 'string' && AMOUNT.test(a))) {
      problems.push(`trade ${trade.tradeId} holds a malformed amount`);
      continue;
    }
    const [price, deposit, escrow, toSeller, toBuyer] = amounts.map((a) => BigInt(a)) as [
      bigint,
      bigint,
      bigint,
      bigint,
      bigint,
    ];
    sumOfEscrow += escrow;
    const open = OPEN_STATES.includes(trade.state);
    if (open) openTrades += 1;
    if (escrow + toSeller + toBuyer !== price + deposit) {
      problems.push(
        `trade ${trade.tradeId}: escrow ${escrow} + paid out ${toSeller + toBuyer} ≠ price + deposit ${price + deposit}`,
      );
    }
    if (open ? escrow !== price + deposit : escrow !== 0n) {
      problems.push(`trade ${trade.tradeId} is ${trade.state} but holds ${escrow} in escrow`);
    }
  }
  // Joint trades (pools) hold escrow too.
  const pools = await auditPoolEscrow(tx);
  sumOfEscrow += pools.escrow;
  trades += pools.trades;
  openTrades += pools.openTrades;
  problems.push(...pools.problems);
  if (supply !== sumOfBalances + sumOfEscrow) {
    problems.push(`total supply ${supply} ≠ balances ${sumOfBalances} + escrow ${sumOfEscrow}`);
  }
  const totals = await auditTotals(tx);
  const recount = [sumOfBalances, sumOfEscrow, trades, openTrades].map(String);
  const running = [totals.sumOfBalances, totals.sumOfEscrow, totals.trades, totals.openTrades];
  if (recount.join() !== running.join()) {
    problems.push(
      `running totals (balances, escrow, trades, open) ${running.join(', ')} ≠ recount ${recount.join(', ')}`,
    );
  }
  problems.push(...totals.problems);
  return {
    totalSupply: supply.toString(),
    sumOfBalances: sumOfBalances.toString(),
    sumOfEscrow: sumOfEscrow.toString(),
    accounts,
    trades,
    openTrades,
    balanced: problems.length === 0,
    problems,
  };
}
