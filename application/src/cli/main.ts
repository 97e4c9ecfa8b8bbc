#!/usr/bin/env node
/**
 * `datamarket`: the command line of buyers, sellers and auditors, over their org's gateway app.
 * `datamarket help` lists the commands.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DataMarketClient, GatewayError } from '../client/index.js';
import type { Listing, Trade } from '../gateway/types.js';
import { keyValues, Progress, table } from './format.js';

const HELP = `datamarket — buy and sell computations on encrypted data

usage: datamarket [options] <command> [arguments]

connection (or environment DATAMARKET_URL, DATAMARKET_TOKEN, DATAMARKET_CHANNEL):
  --url URL            the org's gateway app
  --token TOKEN        an API token of the org
  --profile FILE       JSON {name: {url, token}}; with --as NAME (env DATAMARKET_PROFILE)
  --channel NAME       default: market
  --json               machine-readable output
  --quiet              no progress output

anyone:
  account                                the caller's account id and balance
  listings                               browse listings
  listing ID                             one listing
  trades [--as-seller]                   the caller's trades
  status TRADE                           one trade

buyer:
  sample ID --out FILE                   fetch the free test sample bundle
  sample-result ID --result FILE         have a test result decrypted (free, rate-limited)
  buy ID [--out FILE] [--no-wait]        purchase, wait for delivery, download + verify the bundle
  download TRADE --out FILE              download + verify the bundle again
  run SCRIPT --bundle FILE --out FILE    run a computation script on a bundle (on this machine)
  submit TRADE --result FILE --values N  upload an encrypted result, record its hash on chain
  result TRADE [--no-wait]               wait for settlement; print the decrypted result
  refund TRADE                           get the escrow back (withdrawal / missed deadline)

seller:
  sell ID --csv FILE --title T --price P [--deposit D] [--columns a,b] [--standardize]
       [--leakage N] [--preset NAME] [--deliver S] [--result-within S] [--decrypt S] [--sample]
  delist ID
  pump-log TRADE

auditor:
  audit trades (--dataset ID | --buyer ACCOUNT | --seller ACCOUNT | --state STATE)
  audit history TRADE | audit supply | audit chain | audit block N | audit tx TXID

A computation script is an ES module whose default export is
  async ({ bundle, engine, progress }) => ({ result: Uint8Array, valueCount: number })
where engine is the project's CKKS engine (application/src/ckks).`;

interface Args {
  positional: string[];
  flags: Map<string, string | true>;
}

const BOOLEAN = new Set(['json', 'quiet', 'no-wait', 'as-seller', 'standardize', 'sample', 'help']);

export function parseArgs(argv: string[]): Args {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      if (inline !== undefined) flags.set(name, inline);
      else if (BOOLEAN.has(name)) flags.set(name, true);
      else {
        const value = argv[++i];
        if (value === undefined) throw new UsageError(`--${name} needs a value`);
        flags.set(name, value);
      }
    } else positional.push(arg);
  }
  return { positional, flags };
}

class UsageError extends Error {}

function flag(args: Args, name: string): string | undefined {
  const value = args.flags.get(name);
  return typeof value === 'string' ? value : undefined;
}
function need(args: Args, name: string): string {
  const value = flag(args, name);
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
}
function arg(args: Args, index: number, what: string): string {
  const value = args.positional[index];
  if (!value) throw new UsageError(`missing ${what}`);
  return value;
}

async function clientFrom(args: Args, progress: Progress): Promise<DataMarketClient> {
  let url = flag(args, 'url') ?? process.env.DATAMARKET_URL;
  let token = flag(args, 'token') ?? process.env.DATAMARKET_TOKEN;
  const profileFile = flag(args, 'profile') ?? process.env.DATAMARKET_PROFILE;
  if (profileFile) {
    const profiles = JSON.parse(await readFile(profileFile, 'utf8')) as Record<
      string,
      { url: string; token: string }
    >;
    const name = flag(args, 'as') ?? Object.keys(profiles)[0];
    const profile = name ? profiles[name] : undefined;
    if (!profile)
      throw new UsageError(
        `no profile '${name}' in ${profileFile} (have ${Object.keys(profiles).join(', ')})`,
      );
    url ??= profile.url;
    token ??= profile.token;
  }
  if (!url || !token)
    throw new UsageError(
      'give --url and --token (or DATAMARKET_URL/DATAMARKET_TOKEN, or --profile)',
    );
  return new DataMarketClient({
    url,
    token,
    channel: flag(args, 'channel') ?? process.env.DATAMARKET_CHANNEL ?? 'market',
    progress: (message) => progress.update(message),
  });
}

const short = (id: string | null | undefined, n = 16) =>
  id ? (id.length > n ? `${id.slice(0, n)}…` : id) : '-';
const when = (ms: number | null | undefined) =>
  ms ? new Date(ms).toISOString().replace('.000Z', 'Z') : '-';
/** The CN of an account id, for tables. */
const who = (account: string) => /CN=([^/:]+)/.exec(account)?.[1] ?? short(account, 24);

function listingsTable(records: Listing[]): string {
  return table(
    ['id', 'title', 'price', 'deposit', 'rows×cols', 'bound', 'preset', 'state', 'seller'],
    records.map((l) => [
      l.id,
      l.title,
      l.price,
      l.deposit ?? '0',
      `${l.schema.rowCount}×${l.schema.columns.length}`,
      l.leakageBound,
      l.ckksPreset,
      l.state,
      who(l.seller),
    ]),
  );
}

function tradesTable(records: Trade[]): string {
  return table(
    ['trade', 'dataset', 'state', 'price', 'escrow', 'buyer', 'seller', 'updated'],
    records.map((t) => [
      short(t.tradeId),
      t.datasetId,
      t.state,
      t.price,
      t.escrow,
      who(t.buyer),
      who(t.seller),
      when(t.updatedAt),
    ]),
  );
}

function tradeBlock(t: Trade): string {
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
    ['refund basis', t.refundBasis],
  ]);
}

/** Runs a computation script on a bundle with the CKKS engine. */
export async function runScript(
  script: string,
  bundle: Uint8Array,
  progress: (message: string) => void,
): Promise<{ result: Uint8Array; valueCount: number }> {
  const module = (await import(pathToFileURL(path.resolve(script)).href)) as {
    default?: (input: {
      bundle: Uint8Array;
      engine: unknown;
      progress: (m: string) => void;
    }) => Promise<{ result: Uint8Array; valueCount: number }>;
  };
  if (typeof module.default !== 'function')
    throw new UsageError(`${script} has no default export function`);
  const enginePath = '../ckks/index.js';
  const engine: unknown = await import(enginePath);
  return module.default({ bundle, engine, progress });
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const json = args.flags.has('json');
  const progress = new Progress(!args.flags.has('quiet'));
  const out = (human: string, data: unknown) =>
    console.log(json ? JSON.stringify(data, null, 2) : human);
  const [command, sub] = args.positional;
  if (!command || command === 'help' || args.flags.has('help')) {
    console.log(HELP);
    return command || args.flags.has('help') ? 0 : 2;
  }
  if (command === 'run') {
    const bundle = await readFile(need(args, 'bundle'));
    const started = Date.now();
    const { result, valueCount } = await runScript(arg(args, 1, 'script'), bundle, (m) =>
      progress.update(m),
    );
    await writeFile(need(args, 'out'), result);
    progress.done(`computed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    out(`wrote ${result.length} bytes (${valueCount} values) to ${need(args, 'out')}`, {
      bytes: result.length,
      valueCount,
      out: need(args, 'out'),
    });
    return 0;
  }
  const client = await clientFrom(args, progress);
  switch (command) {
    case 'account': {
      const account = await client.initialize();
      out(keyValues(Object.entries(account)), account);
      break;
    }
    case 'listings': {
      const page = await client.listings(100);
      out(listingsTable(page.records), page.records);
      break;
    }
    case 'listing': {
      const listing = await client.listing(arg(args, 1, 'dataset id'));
      out(keyValues(Object.entries(listing)), listing);
      break;
    }
    case 'trades': {
      const page = await client.trades(args.flags.has('as-seller') ? 'seller' : 'buyer');
      out(tradesTable(page.records), page.records);
      break;
    }
    case 'status': {
      const trade = await client.trade(arg(args, 1, 'trade id'));
      out(tradeBlock(trade), trade);
      break;
    }
    case 'sample': {
      const bundle = await client.requestTest(arg(args, 1, 'dataset id'));
      await writeFile(need(args, 'out'), bundle);
      progress.done();
      out(`wrote the test sample (${bundle.length} bytes) to ${need(args, 'out')}`, {
        bytes: bundle.length,
      });
      break;
    }
    case 'sample-result': {
      const reply = await client.retrieveTestResult(
        arg(args, 1, 'dataset id'),
        await readFile(need(args, 'result')),
      );
      out(
        `values: ${reply.values.join(', ')}\n(${reply.remaining} free decryptions left in this window)`,
        reply,
      );
      break;
    }
    case 'buy': {
      const datasetId = arg(args, 1, 'dataset id');
      if (args.flags.has('no-wait')) {
        const trade = await client.buy(datasetId);
        out(tradeBlock(trade), trade);
        break;
      }
      const delivery = await client.requestData(datasetId);
      progress.done(`delivered; bundle hash matches the ledger`);
      const file = flag(args, 'out') ?? `${delivery.trade.tradeId.slice(0, 16)}.bundle`;
      await writeFile(file, delivery.bundle);
      out(`${tradeBlock(delivery.trade)}\nbundle saved to ${file}`, {
        trade: delivery.trade,
        bundleFile: file,
        sha256: delivery.sha256,
      });
      break;
    }
    case 'download': {
      const delivery = await client.download(arg(args, 1, 'trade id'));
      await writeFile(need(args, 'out'), delivery.bundle);
      progress.done('bundle hash matches the ledger');
      out(`wrote ${delivery.bundle.length} bytes to ${need(args, 'out')}`, {
        sha256: delivery.sha256,
        bytes: delivery.bundle.length,
      });
      break;
    }
    case 'submit': {
      const values = Number(need(args, 'values'));
      if (!Number.isInteger(values) || values < 1)
        throw new UsageError('--values must be a positive integer');
      const trade = await client.submitResult(
        arg(args, 1, 'trade id'),
        await readFile(need(args, 'result')),
        values,
      );
      progress.done('result uploaded and recorded on chain');
      out(tradeBlock(trade), trade);
      break;
    }
    case 'result': {
      const tradeId = arg(args, 1, 'trade id');
      const result = args.flags.has('no-wait')
        ? await client.requestResult(tradeId, 1)
        : await client.requestResult(tradeId);
      progress.done(`result decrypted; digest matches the ledger`);
      out(`values: ${result.result.values.join(', ')}\ndigest: ${result.resultDigest}`, result);
      break;
    }
    case 'refund': {
      const trade = await client.litigation(arg(args, 1, 'trade id'));
      out(tradeBlock(trade), trade);
      break;
    }
    case 'sell': {
      const id = arg(args, 1, 'dataset id');
      const csvFile = need(args, 'csv');
      const num = (name: string, fallback: number) => Number(flag(args, name) ?? fallback);
      const reply = await client.sell(
        {
          id,
          title: need(args, 'title'),
          description: flag(args, 'description') ?? '',
          price: need(args, 'price'),
          deposit: flag(args, 'deposit') ?? '0',
          deliverWithin: num('deliver', 3600),
          resultWithin: num('result-within', 86_400),
          decryptWithin: num('decrypt', 3600),
          leakageBound: num('leakage', 10),
          ckksPreset: flag(args, 'preset') ?? 'n8192-d4',
          freeSample: args.flags.has('sample'),
        },
        {
          csv: await readFile(csvFile, 'utf8'),
          columns: flag(args, 'columns')?.split(','),
          standardize: args.flags.has('standardize'),
        },
      );
      out(
        `listed ${id}: ${reply.rowCount} rows (${reply.droppedRows} dropped)\n${listingsTable([reply.listing])}`,
        reply,
      );
      break;
    }
    case 'delist': {
      const reply = await client.delist(arg(args, 1, 'dataset id'));
      out(listingsTable([reply.listing]), reply.listing);
      break;
    }
    case 'pump-log': {
      const log = await client.pumpLog(arg(args, 1, 'trade id'));
      out(
        table(
          ['at', 'action', 'detail'],
          log.entries.map((e) => [when(e.at), e.action, e.detail]),
          90,
        ),
        log.entries,
      );
      break;
    }
    case 'audit': {
      switch (sub) {
        case 'trades': {
          const filter = {
            dataset: flag(args, 'dataset'),
            buyer: flag(args, 'buyer'),
            seller: flag(args, 'seller'),
            state: flag(args, 'state'),
          };
          const page = await client.auditTrades(filter);
          out(tradesTable(page.records), page.records);
          break;
        }
        case 'history': {
          const { history } = await client.auditHistory(arg(args, 2, 'trade id'));
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
          break;
        }
        case 'supply': {
          const audit = await client.auditSupply();
          out(keyValues(Object.entries(audit)), audit);
          break;
        }
        case 'chain': {
          const info = await client.chainInfo();
          out(keyValues(Object.entries(info)), info);
          break;
        }
        case 'block': {
          const block = await client.block(arg(args, 2, 'block number'));
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
          break;
        }
        case 'tx': {
          const tx = await client.transaction(arg(args, 2, 'transaction id'));
          out(keyValues(Object.entries(tx)), tx);
          break;
        }
        default:
          throw new UsageError('audit what? trades | history | supply | chain | block | tx');
      }
      break;
    }
    default:
      throw new UsageError(`unknown command '${command}' (datamarket help)`);
  }
  progress.done();
  return 0;
}

const invokedDirectly =
  process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly || process.argv[1]?.endsWith('/datamarket')) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      if (error instanceof UsageError) {
        console.error(`datamarket: ${error.message}`);
        process.exitCode = 2;
      } else if (error instanceof GatewayError) {
        console.error(`datamarket: ${error.message} (${error.status} ${error.code})`);
        process.exitCode = 1;
      } else {
        console.error(`datamarket: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
      }
    },
  );
}

export { main };
