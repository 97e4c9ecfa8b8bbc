/** The seller's commands: list a dataset, delist it, read the pump's log of a trade. */
import { readFile } from 'node:fs/promises';
import type { Command, OptionTable } from '../command.js';
import { table } from '../format.js';
import { listingsTable, when } from '../views.js';
import { PRIVACY_OPTIONS, privacyTerms } from './privacy-options.js';

const SELL_OPTIONS: OptionTable = {
  csv: {
    type: 'string',
    value: 'FILE',
    required: true,
    description: 'the data, with a header line',
  },
  title: { type: 'string', value: 'T', required: true, description: 'the listing title' },
  description: { type: 'string', value: 'TEXT', description: 'the listing description' },
  price: { type: 'string', value: 'P', required: true, description: 'the price in tokens' },
  deposit: { type: 'string', value: 'D', description: "the buyer's deposit (default 0)" },
  columns: { type: 'string', value: 'a,b', description: 'the columns to sell (default all)' },
  standardize: { type: 'boolean', description: 'rescale every column to mean 0, sd 1' },
  leakage: { type: 'string', value: 'N', description: 'most result values (default 10)' },
  preset: { type: 'string', value: 'NAME', description: 'CKKS preset (default n8192-d4)' },
  deliver: { type: 'string', value: 'S', description: 'seconds to deliver (default 3600)' },
  'result-within': {
    type: 'string',
    value: 'S',
    description: 'seconds for the buyer to submit (default 86400)',
  },
  decrypt: { type: 'string', value: 'S', description: 'seconds to decrypt (default 3600)' },
  sample: { type: 'boolean', description: 'offer a free test sample' },
  ...PRIVACY_OPTIONS,
};

export const sellerCommands: Command[] = [
  {
    name: 'sell',
    group: 'seller',
    summary: 'list a dataset from a CSV file',
    args: [{ name: 'ID', what: 'dataset id' }],
    options: SELL_OPTIONS,
    async run(input, { client, out }) {
      const id = input.arg(0);
      const listing = {
        id,
        title: input.required('title'),
        description: input.string('description') ?? '',
        price: input.required('price'),
        deposit: input.string('deposit') ?? '0',
        deliverWithin: input.number('deliver', 3600),
        resultWithin: input.number('result-within', 86_400),
        decryptWithin: input.number('decrypt', 3600),
        leakageBound: input.number('leakage', 10),
        ckksPreset: input.string('preset') ?? 'n8192-d4',
        freeSample: input.flag('sample'),
        ...privacyTerms(input),
      };
      const data = {
        csv: await readFile(input.required('csv'), 'utf8'),
        columns: input.string('columns')?.split(','),
        standardize: input.flag('standardize'),
      };
      const reply = await (await client()).sell(listing, data);
      out(
        `listed ${id}: ${reply.rowCount} rows (${reply.droppedRows} dropped)\n${listingsTable([reply.listing])}`,
        reply,
      );
    },
  },
  {
    name: 'delist',
    group: 'seller',
    summary: 'withdraw a listing',
    args: [{ name: 'ID', what: 'dataset id' }],
    async run(input, { client, out }) {
      const reply = await (await client()).delist(input.arg(0));
      out(listingsTable([reply.listing]), reply.listing);
    },
  },
  {
    name: 'pump-log',
    group: 'seller',
    summary: 'what the seller app did for a trade',
    args: [{ name: 'TRADE', what: 'trade id' }],
    async run(input, { client, out }) {
      const log = await (await client()).pumpLog(input.arg(0));
      out(
        table(
          ['at', 'action', 'detail'],
          log.entries.map((e) => [when(e.at), e.action, e.detail]),
          90,
        ),
        log.entries,
      );
    },
  },
];
