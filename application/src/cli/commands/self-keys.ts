/** Where a non-custodial user's key, certificate and token live on its machine (--keys DIR). */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SelfCustodyBuyer, type SelfIdentity } from '../../client/index.js';
import { UsageError, type CommandInput } from '../command.js';
import type { CommandContext } from '../context.js';

interface IdentityFile {
  name: string;
  mspId: string;
  certificatePem: string;
  token: string;
  /** The org's gateway app it enrolled with. */
  url: string;
}

const files = (dir: string) => ({
  identity: path.join(dir, 'identity.json'),
  key: path.join(dir, 'key.pem'),
  resultKey: (tradeId: string) => path.join(dir, 'trades', `${tradeId}.result-key.pem`),
});

/** Writes a new identity: the key readable by its owner only. */
export async function saveIdentity(dir: string, identity: SelfIdentity, url: string) {
  const where = files(dir);
  await mkdir(path.join(dir, 'trades'), { recursive: true, mode: 0o700 });
  const { privateKeyPem, ...rest } = identity;
  await writeFile(where.key, privateKeyPem, { mode: 0o600 });
  await chmod(where.key, 0o600);
  const record: IdentityFile = { ...rest, url };
  await writeFile(where.identity, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
}

/** The non-custodial buyer of `--keys DIR`, talking to its org's app (--url or the saved one). */
export async function selfBuyer(input: CommandInput, context: CommandContext) {
  const dir = input.required('keys');
  const where = files(dir);
  let saved: IdentityFile;
  try {
    saved = JSON.parse(await readFile(where.identity, 'utf8')) as IdentityFile;
  } catch {
    throw new UsageError(
      `no identity in ${dir} (make one with: admin add-user NAME --self-custody ${dir})`,
    );
  }
  const privateKeyPem = await readFile(where.key, 'utf8');
  const url = input.string('url') ?? process.env.DATAMARKET_URL ?? saved.url;
  const buyer = new SelfCustodyBuyer(
    { ...saved, privateKeyPem },
    {
      url,
      channel: input.string('channel') ?? process.env.DATAMARKET_CHANNEL ?? 'market',
      progress: (message) => {
        context.progress.update(message);
      },
    },
  );
  return {
    buyer,
    saveResultKey: async (tradeId: string, pem: string) => {
      await writeFile(where.resultKey(tradeId), pem, { mode: 0o600 });
    },
    resultKey: async (tradeId: string) => {
      try {
        return await readFile(where.resultKey(tradeId), 'utf8');
      } catch {
        throw new UsageError(`no result key for trade ${tradeId} in ${dir}/trades`);
      }
    },
  };
}
