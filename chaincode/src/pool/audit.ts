// The joint trades' part of AuditSupply: their escrow, and each one's own books.
import type { Tx } from '../ledger.js';
import { POOL_TRADE } from './record.js';
import { isOpen } from './transition.js';
import type { PoolTrade } from './types.js';

const AMOUNT = /^(0|[1-9][0-9]*)$/;

export interface PoolEscrowAudit {
  escrow: bigint;
  trades: number;
  openTrades: number;
  problems: string[];
}

/** escrow + paid out = price × rounds + deposit; escrow is all of it while open, 0 once closed. */
export async function auditPoolEscrow(tx: Tx): Promise<PoolEscrowAudit> {
  const result: PoolEscrowAudit = { escrow: 0n, trades: 0, openTrades: 0, problems: [] };
  for await (const { value } of tx.scan(POOL_TRADE)) {
    const t = JSON.parse(value) as PoolTrade;
    result.trades += 1;
    const amounts = [
      t.price,
      t.deposit,
      t.escrow,
      t.paidToMembers,
      t.paidToBuyer,
      ...t.members.map((m) => m.paid),
    ];
    if (!amounts.every((a) => typeof a === 'string' && AMOUNT.test(a))) {
      result.problems.push(`joint trade ${t.tradeId} holds a malformed amount`);
      continue;
    }
    const [price, deposit, escrow, toMembers, toBuyer] = amounts.slice(0, 5).map(BigInt) as [
      bigint,
      bigint,
      bigint,
      bigint,
      bigint,
    ];
    const perMember = t.members.reduce((sum, m) => sum + BigInt(m.paid), 0n);
    const total = price * BigInt(t.rounds) + deposit;
    result.escrow += escrow;
    const open = isOpen(t.state);
    if (open) result.openTrades += 1;
    if (escrow + toMembers + toBuyer !== total) {
      result.problems.push(
        `joint trade ${t.tradeId}: escrow ${escrow} + paid out ${toMembers + toBuyer} ≠ ${total}`,
      );
    }
    if (perMember !== toMembers) {
      result.problems.push(
        `joint trade ${t.tradeId}: members' parts ${perMember} ≠ paid to members ${toMembers}`,
      );
    }
    if (open ? escrow !== total : escrow !== 0n) {
      result.problems.push(`joint trade ${t.tradeId} is ${t.state} but holds ${escrow} in escrow`);
    }
  }
  return result;
}
