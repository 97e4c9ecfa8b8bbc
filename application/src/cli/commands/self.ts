/** A non-custodial buyer's commands: its key stays in --keys DIR; it signs every transaction. */
import { readFile, writeFile } from 'node:fs/promises';
import { UsageError, type Command } from '../command.js';
import { keyValues } from '../format.js';
import { tradeBlock } from '../views.js';
import { selfBuyer } from './self-keys.js';

const KEYS = {
  type: 'string',
  value: 'DIR',
  required: true,
  description: 'the key, certificate and token made by admin add-user --self-custody',
} as const;
const TRADE = { name: 'TRADE', what: 'trade id' } as const;

export const selfCommands: Command[] = [
  {
    name: 'self account',
    group: 'self',
    summary: 'the account and balance of a non-custodial user',
    options: { keys: KEYS },
    async run(input, context) {
      const { buyer } = await selfBuyer(input, context);
      const account = await buyer.account();
      context.out(keyValues(Object.entries(account)), account);
    },
  },
  {
    name: 'self buy',
    group: 'self',
    summary: 'purchase (signed here), wait for delivery, download + verify the bundle',
    args: [{ name: 'ID', what: 'dataset id' }],
    options: {
      keys: KEYS,
      out: { type: 'string', value: 'FILE', description: 'where to save the bundle' },
    },
    async run(input, context) {
      const { buyer, saveResultKey } = await selfBuyer(input, context);
      const { trade, resultKey } = await buyer.buy(input.arg(0));
      await saveResultKey(trade.tradeId, resultKey.privateKeyPem);
      await buyer.waitForState(trade.tradeId, ['DELIVERED']);
      const { bundle, trade: delivered } = await buyer.download(trade.tradeId);
      const file = input.string('out') ?? `${trade.tradeId.slice(0, 16)}.bundle`;
      await writeFile(file, bundle);
      context.progress.done('delivered; bundle hash matches the ledger');
      context.out(`${tradeBlock(delivered)}\nbundle saved to ${file}`, {
        trade: delivered,
        bundleFile: file,
      });
    },
  },
  {
    name: 'self submit',
    group: 'self',
    summary: "upload an encrypted result to the seller's app, sign SubmitResult",
    args: [TRADE],
    options: {
      keys: KEYS,
      result: {
        type: 'string',
        value: 'FILE',
        required: true,
        description: 'the encrypted result',
      },
      values: {
        type: 'string',
        value: 'N',
        required: true,
        description: 'how many values it holds',
      },
    },
    async run(input, context) {
      const values = Number(input.required('values'));
      if (!Number.isInteger(values) || values < 1) {
        throw new UsageError('--values must be a positive integer');
      }
      const { buyer } = await selfBuyer(input, context);
      const trade = await buyer.submitResult(
        input.arg(0),
        await readFile(input.required('result')),
        values,
      );
      context.out(tradeBlock(trade), trade);
    },
  },
  {
    name: 'self result',
    group: 'self',
    summary: 'wait for settlement; decrypt the result here with the kept result key',
    args: [TRADE],
    options: { keys: KEYS },
    async run(input, context) {
      const { buyer, resultKey } = await selfBuyer(input, context);
      const tradeId = input.arg(0);
      const result = await buyer.requestResult(tradeId, await resultKey(tradeId));
      context.progress.done('result decrypted; digest matches the ledger');
      context.out(
        `values: ${result.result.values.join(', ')}\ndigest: ${result.resultDigest}`,
        result,
      );
    },
  },
  {
    name: 'self refund',
    group: 'self',
    summary: 'get the escrow back (signed here)',
    args: [TRADE],
    options: { keys: KEYS },
    async run(input, context) {
      const { buyer } = await selfBuyer(input, context);
      const trade = await buyer.refund(input.arg(0));
      context.out(tradeBlock(trade), trade);
    },
  },
];
