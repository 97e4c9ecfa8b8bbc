import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_LIMITS, loadConfig } from '../../../src/gateway/config.js';

const digest = 'ab'.repeat(32);
const valid = {
  org: 'seller',
  roles: ['seller'],
  channels: ['market'],
  networkRunDir: '../run',
  storePath: 'store.db',
  storeSecret: 'a store secret of some length',
  users: [{ user: 'Admin', tokenSha256: digest }],
  limits: { json: 1024 },
  pumpStartBlock: 7,
};

const without = (field: keyof typeof valid) =>
  Object.fromEntries(Object.entries(valid).filter(([key]) => key !== field));

describe('gateway: config file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dm-config-'));
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.DATAMARKET_STORE_SECRET;
    delete process.env.DATAMARKET_STORE_SECRET;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.DATAMARKET_STORE_SECRET;
    else process.env.DATAMARKET_STORE_SECRET = saved;
  });
  const write = (content: unknown) => {
    const file = path.join(dir, `app-${String(Math.random()).slice(2)}.json`);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  const refusal = async (content: unknown) => {
    try {
      await loadConfig(write(content));
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('the config was accepted');
  };

  it('reads a valid file: paths resolved, defaults filled, pumpStartBlock a bigint', async () => {
    const config = await loadConfig(write(valid));
    expect(config.networkRunDir).to.equal(path.resolve(dir, '../run'));
    expect(config.storePath).to.equal(path.join(dir, 'store.db'));
    expect(config.limits).to.deep.equal({ ...DEFAULT_LIMITS, json: 1024 });
    expect(config.host).to.equal('127.0.0.1');
    expect(config.pumpStartBlock).to.equal(7n);
  });

  it('takes the store secret from DATAMARKET_STORE_SECRET first', async () => {
    process.env.DATAMARKET_STORE_SECRET = 'from the environment, long enough';
    const config = await loadConfig(write(without('storeSecret')));
    expect(config.storeSecret).to.equal('from the environment, long enough');
  });

  it('names the bad field', async () => {
    const file = 'config .*\\.json: ';
    const bad = [
      [
        { ...valid, users: [valid.users[0], { user: 'User1', tokenSha256: 'xyz' }] },
        'users\\[1\\].tokenSha256: expected 64 hex characters',
      ],
      [{ ...valid, roles: ['seller', 'banker'] }, 'roles\\[1\\]: '],
      [{ ...valid, channels: 'market' }, 'channels: '],
      [{ ...valid, limits: { json: -1 } }, 'limits.json: '],
      [{ ...valid, port: '8080' }, 'port: '],
      [{ ...valid, storeSecret: 'short' }, 'storeSecret: expected at least 16 characters'],
      [{ ...valid, unknownField: 1 }, 'unknownField'],
    ] as const;
    for (const [content, message] of bad) {
      expect(await refusal(content)).to.match(new RegExp(`^${file}${message}`));
    }
    expect(await refusal(without('storeSecret'))).to.match(/storeSecret: missing/);
    expect(await refusal(without('storePath'))).to.match(/names no store/);
    expect(await refusal('{ not json')).to.match(/^config .*: /);
  });
});
