/** The auditor's commands: trades by filter, a trade's history, supply (full, running totals, checkpoint), chain, blocks, txs. */
import type { Command } from '../command.js';
import { keyValues, table } from '../format.js';
import { short, tradesTable, when } from '../views.js';

export const auditorCommands: Command[] = [
  {
    name: 'audit trades',
    group: 'auditor',
    summary: 'trades by dataset, buyer, seller or state',
    options: {
      dataset: { type: 'string', value: 'ID', description: 'trades of this dataset' },
      buyer: { type: 'string', value: 'ACCOUNT', description: 'trades of this buyer' },
      seller: { type: 'string', value: 'ACCOUNT', description: 'trades of this seller' },
      state: { type: 'string', value: 'STATE', description: 'trades in this state' },
    },
    async run(input, { client, out }) {
      const page = await (
        await client()
      ).auditTrades({
        dataset: input.string('dataset'),
        buyer: input.string('buyer'),
        seller: input.string('seller'),
        state: input.string('state'),
      });
      out(tradesTable(page.records), page.records);
    },
  },
  {
    name: 'audit history',
    group: 'auditor',
    summary: "a trade's states, one per transaction",
    args: [{ name: 'TRADE', what: 'trade id' }],
    async run(input, { client, out }) {
      const { history } = await (await client()).auditHistory(input.arg(0));
      out(
        table(
          ['#', 'tx', 'time', 'state', 'escrow', 'to seller', 'to buyer'],
          history.map((h, i) => [
            i + 1,
            short(h.txId),
            when(h.timestamp),
            h.trade.state,
            h.trade.escrow,
            h.trade.paidToSeller,
            h.trade.paidToBuyer,
          ]),
        ),
        history,
      );
    },
  },
  {
    name: 'audit supply',
    group: 'auditor',
    summary: 'the token supply against balances and escrow',
    async run(_input, { client, out }) {
      const audit = await (await client()).auditSupply();
      out(keyValues(Object.entries(audit)), audit);
    },
  },
  {
    name: 'audit totals',
    group: 'auditor',
    summary: 'the supply from the running totals (cost: the deltas since the last checkpoint)',
    async run(_input, { client, out }) {
      const audit = await (await client()).auditSupplyTotals();
      out(keyValues(Object.entries(audit)), audit);
    },
  },
  {
    name: 'audit checkpoint',
    group: 'auditor',
    summary: "fold the running totals' deltas of minutes long past into the checkpoint",
    async run(_input, { client, out }) {
      const checkpoint = await (await client()).checkpointSupply();
      out(
        keyValues([
          ['folded', checkpoint.folded],
          ['throughMinute', checkpoint.throughMinute],
          ...Object.entries(checkpoint.totals),
        ]),
        checkpoint,
      );
    },
  },
  {
    name: 'audit chain',
    group: 'auditor',
    summary: 'the channel height and current block hash',
    async run(_input, { client, out }) {
      const info = await (await client()).chainInfo();
      out(keyValues(Object.entries(info)), info);
    },
  },
  {
    name: 'audit block',
    group: 'auditor',
    summary: "one block's transactions",
    args: [{ name: 'N', what: 'block number' }],
    async run(input, { client, out }) {
      const block = await (await client()).block(input.arg(0));
      out(
        `block ${block.number} (${block.transactions.length} transactions)\n${table(
          ['tx', 'type', 'creator', 'function', 'valid', 'event'],
          block.transactions.map((t) => [
            short(t.txId),
            t.type,
            t.creatorMspId,
            t.function,
            t.validationCode,
            t.event?.name,
          ]),
        )}`,
        block,
      );
    },
  },
  {
    name: 'audit tx',
    group: 'auditor',
    summary: 'one transaction',
    args: [{ name: 'TXID', what: 'transaction id' }],
    async run(input, { client, out }) {
      const tx = await (await client()).transaction(input.arg(0));
      out(keyValues(Object.entries(tx)), tx);
    },
  },
];
