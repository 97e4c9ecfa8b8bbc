/** The buyer's commands: samples, buying, running a computation, results and refunds. */
import { readFile, writeFile } from 'node:fs/promises';
import { newRequestId } from '../../client/index.js';
import { UsageError, type Command } from '../command.js';
import { tradeBlock } from '../views.js';
import { computationFrom, COMPUTATION_OPTIONS } from './computation-options.js';
import { runScript } from './run-script.js';

const DATASET = { name: 'ID', what: 'dataset id' } as const;
const TRADE = { name: 'TRADE', what: 'trade id' } as const;
const NO_WAIT = { type: 'boolean', description: 'return at once instead of waiting' } as const;

export const buyerCommands: Command[] = [
  {
    name: 'sample',
    group: 'buyer',
    summary: 'fetch the free test sample bundle',
    args: [DATASET],
    options: {
      out: { type: 'string', value: 'FILE', required: true, description: 'where to save it' },
    },
    async run(input, { client, out, progress }) {
      const bundle = await (await client()).requestTest(input.arg(0));
      const file = input.required('out');
      await writeFile(file, bundle);
      progress.done();
      out(`wrote the test sample (${bundle.length} bytes) to ${file}`, { bytes: bundle.length });
    },
  },
  {
    name: 'sample-result',
    group: 'buyer',
    summary: 'have a test result decrypted (free, rate-limited)',
    args: [DATASET],
    options: {
      result: {
        type: 'string',
        value: 'FILE',
        required: true,
        description: 'the encrypted result',
      },
    },
    async run(input, { client, out }) {
      const reply = await (
        await client()
      ).retrieveTestResult(input.arg(0), await readFile(input.required('result')));
      out(
        `values: ${reply.values.join(', ')}\n(${reply.remaining} free decryptions left in this window)`,
        reply,
      );
    },
  },
  {
    name: 'buy',
    group: 'buyer',
    summary: 'purchase, wait for delivery, download + verify the bundle',
    args: [DATASET],
    options: {
      out: { type: 'string', value: 'FILE', description: 'where to save the bundle' },
      'no-wait': NO_WAIT,
      'request-id': {
        type: 'string',
        value: 'ID',
        description:
          'the purchase request id (default: a fresh one); give an earlier one to resume that purchase, never buying twice',
      },
    },
    async run(input, { client, out, progress }) {
      const market = await client();
      const requestId = input.string('request-id') ?? newRequestId();
      progress.update(`purchase request id ${requestId}`);
      if (input.flag('no-wait')) {
        const trade = await market.buy(input.arg(0), undefined, undefined, requestId);
        out(tradeBlock(trade), trade);
        return;
      }
      const delivery = await market.requestData(input.arg(0), { requestId });
      progress.done(`delivered; bundle hash matches the ledger`);
      const file = input.string('out') ?? `${delivery.trade.tradeId.slice(0, 16)}.bundle`;
      await writeFile(file, delivery.bundle);
      out(`${tradeBlock(delivery.trade)}\nbundle saved to ${file}`, {
        trade: delivery.trade,
        bundleFile: file,
        sha256: delivery.sha256,
      });
    },
  },
  {
    name: 'download',
    group: 'buyer',
    summary: 'download + verify the bundle again',
    args: [TRADE],
    options: {
      out: { type: 'string', value: 'FILE', required: true, description: 'where to save it' },
    },
    async run(input, { client, out, progress }) {
      const delivery = await (await client()).download(input.arg(0));
      const file = input.required('out');
      await writeFile(file, delivery.bundle);
      progress.done('bundle hash matches the ledger');
      out(`wrote ${delivery.bundle.length} bytes to ${file}`, {
        sha256: delivery.sha256,
        bytes: delivery.bundle.length,
      });
    },
  },
  {
    name: 'run',
    group: 'buyer',
    summary: 'run a computation script, or an approved computation by name, on a bundle',
    args: [{ name: 'SCRIPT', what: 'script', optional: true }],
    options: {
      bundle: { type: 'string', value: 'FILE', required: true, description: 'the data bundle' },
      out: { type: 'string', value: 'FILE', required: true, description: 'the encrypted result' },
      ...COMPUTATION_OPTIONS,
    },
    async run(input, { out, progress }) {
      const bundle = await readFile(input.required('bundle'));
      const started = Date.now();
      const file = input.required('out');
      const named = computationFrom(input);
      if (named === undefined && input.args[0] === undefined) {
        throw new UsageError('give a SCRIPT or --computation NAME (datamarket run --help)');
      }
      let result: Uint8Array;
      let valueCount: number;
      if (named) {
        progress.update(`running the approved computation ${named.computationId}`);
        const { computeApproved } = await import('../../client/approved.js');
        // A seller script: SCRIPT is its code (e.g. fetched with \`datamarket script\`).
        const script = input.args[0];
        const scripts = script
          ? [{ id: named.computationId, code: await readFile(script, 'utf8') }]
          : [];
        const computed = await computeApproved(bundle, named, scripts);
        ({ bytes: result, valueCount } = computed);
        await writeFile(`${file}.computation.json`, JSON.stringify(named));
      } else {
        ({ result, valueCount } = await runScript(input.arg(0), bundle, (m) => {
          progress.update(m);
        }));
      }
      await writeFile(file, result);
      progress.done(`computed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      out(`wrote ${result.length} bytes (${valueCount} values) to ${file}`, {
        bytes: result.length,
        valueCount,
        out: file,
        ...(named ? { computation: named.computationId } : {}),
      });
    },
  },
  {
    name: 'script',
    group: 'buyer',
    summary: "fetch an approved seller script's code (hash checked against the listing)",
    args: [DATASET, { name: 'NAME', what: 'computation id' }],
    options: {
      out: { type: 'string', value: 'FILE', required: true, description: 'where to save it' },
    },
    async run(input, { client, out }) {
      const code = await (await client()).script(input.arg(0), input.arg(1));
      const file = input.required('out');
      await writeFile(file, code);
      out(`wrote ${input.arg(1)} (${code.length} characters) to ${file}`, { out: file });
    },
  },
  {
    name: 'submit',
    group: 'buyer',
    summary: 'upload an encrypted result, record its hash on chain',
    args: [TRADE],
    options: {
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
      computation: {
        type: 'string',
        value: 'FILE',
        description: 'the OUT.computation.json `run --computation` wrote (approved listings)',
      },
    },
    async run(input, { client, out, progress }) {
      const values = Number(input.required('values'));
      if (!Number.isInteger(values) || values < 1) {
        throw new UsageError('--values must be a positive integer');
      }
      const result = await readFile(input.required('result'));
      const named = input.string('computation');
      const market = await client();
      const trade = named
        ? await market.submitComputedResult(
            input.arg(0),
            result,
            values,
            JSON.parse(await readFile(named, 'utf8')) as { computationId: string; params: unknown },
          )
        : await market.submitResult(input.arg(0), result, values);
      progress.done('result uploaded and recorded on chain');
      out(tradeBlock(trade), trade);
    },
  },
  {
    name: 'result',
    group: 'buyer',
    summary: 'wait for settlement; print the decrypted result',
    args: [TRADE],
    options: { 'no-wait': NO_WAIT },
    async run(input, { client, out, progress }) {
      const market = await client();
      const tradeId = input.arg(0);
      const result = input.flag('no-wait')
        ? await market.requestResult(tradeId, 1)
        : await market.requestResult(tradeId);
      progress.done(`result decrypted; digest matches the ledger`);
      out(`values: ${result.result.values.join(', ')}\ndigest: ${result.resultDigest}`, result);
    },
  },
  {
    name: 'refund',
    group: 'buyer',
    summary: 'get the escrow back (withdrawal / missed deadline)',
    args: [TRADE],
    async run(input, { client, out }) {
      const trade = await (await client()).litigation(input.arg(0));
      out(tradeBlock(trade), trade);
    },
  },
];
