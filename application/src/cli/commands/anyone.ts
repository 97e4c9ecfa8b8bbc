/** Commands for every caller: the account, listings and the caller's own trades. */
import type { Command } from '../command.js';
import { keyValues } from '../format.js';
import { listingsTable, tradeBlock, tradesTable } from '../views.js';

export const anyoneCommands: Command[] = [
  {
    name: 'account',
    group: 'anyone',
    summary: "the caller's account id and balance",
    async run(_input, { client, out }) {
      const account = await (await client()).initialize();
      out(keyValues(Object.entries(account)), account);
    },
  },
  {
    name: 'compact',
    group: 'anyone',
    summary: "fold the caller's credit keys into its balance (the balance stays the same)",
    async run(_input, { client, out }) {
      const compaction = await (await client()).compactBalance();
      out(keyValues(Object.entries(compaction)), compaction);
    },
  },
  {
    name: 'listings',
    group: 'anyone',
    summary: 'browse listings',
    async run(_input, { client, out }) {
      const page = await (await client()).listings(100);
      out(listingsTable(page.records), page.records);
    },
  },
  {
    name: 'listing',
    group: 'anyone',
    summary: 'one listing',
    args: [{ name: 'ID', what: 'dataset id' }],
    async run(input, { client, out }) {
      const listing = await (await client()).listing(input.arg(0));
      out(keyValues(Object.entries(listing)), listing);
    },
  },
  {
    name: 'trades',
    group: 'anyone',
    summary: "the caller's trades",
    options: {
      'as-seller': { type: 'boolean', description: 'the trades where the caller sells' },
    },
    async run(input, { client, out }) {
      const page = await (await client()).trades(input.flag('as-seller') ? 'seller' : 'buyer');
      out(tradesTable(page.records), page.records);
    },
  },
  {
    name: 'status',
    group: 'anyone',
    summary: 'one trade',
    args: [{ name: 'TRADE', what: 'trade id' }],
    async run(input, { client, out }) {
      const trade = await (await client()).trade(input.arg(0));
      out(tradeBlock(trade), trade);
    },
  },
];
