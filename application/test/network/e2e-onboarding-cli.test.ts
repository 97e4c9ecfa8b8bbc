import type { Contract } from '@hyperledger/fabric-gateway';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { penguinsCsv } from '../../src/demo/penguins.js';
import { certificateRequest, newEnrolmentKey } from '../../src/gateway/ca/csr.js';
import { connectAs, type GatewayConnection } from '../../src/fabric/index.js';
import { networkScriptCrlPublisher } from '../../src/gateway/ca/crl-publisher.js';
import type { Listing, Trade } from '../../src/gateway/types.js';
import {
  call,
  closeAll,
  gatewayConfig,
  initialized,
  plainTestCrypto,
  present,
  startApp,
  type AppHandle,
} from './e2e-support.js';
import { ensureTestNetwork, testNetwork } from './test-network-fixture.js';

const CHANNEL = 'market';
const cliMain = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');

// The CLI side of onboarding: `admin add-user --self-custody DIR` makes the key on this machine
// and sends only its CSR; `self ...` commands sign every transaction with it.
describe('e2e: the CLI onboards a non-custodial buyer that trades, then revokes it', function () {
  this.timeout(600_000);
  let seller: AppHandle;
  let buyer: AppHandle;
  let issuerConnection: GatewayConnection;
  let issuer: Contract;

  const cli = (args: string[], token?: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const auth = token ? ['--url', buyer.url, '--token', token] : [];
      execFile(
        process.execPath,
        [cliMain, ...auth, '--quiet', ...args],
        (error, stdout, stderr) => {
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
        },
      );
    });
  const json = async <T>(args: string[], token?: string): Promise<T> => {
    const run = await cli(['--json', ...args], token);
    expect(run.code, `${args.join(' ')}: ${run.stderr}`).to.equal(0);
    return JSON.parse(run.stdout) as T;
  };

  before(async () => {
    await ensureTestNetwork();
    const network = await testNetwork.describe();
    issuerConnection = await connectAs(network, { org: 'auditor', user: 'Admin' });
    issuer = issuerConnection.gateway.getNetwork(CHANNEL).getContract('datamarket');
    await initialized(issuer);
    const s = gatewayConfig(testNetwork.runDir, 'seller', ['seller'], [CHANNEL], ['Admin']);
    seller = await startApp(s.config, s.tokens, { crypto: plainTestCrypto });
    const b = gatewayConfig(testNetwork.runDir, 'buyer', ['buyer'], [CHANNEL], ['Admin']);
    buyer = await startApp(b.config, b.tokens, {
      publishCrl: networkScriptCrlPublisher({
        runDir: testNetwork.runDir,
        portBase: testNetwork.portBase,
        org: 'buyer',
        channels: [CHANNEL],
      }),
    });
  });

  after(async () => {
    await closeAll(
      () => seller.gateway.close(),
      () => buyer.gateway.close(),
      () => {
        issuerConnection.close();
      },
    );
  });

  it('add-user --self-custody, self account/buy/submit/result, admin users, admin revoke', async () => {
    const adminToken = present(buyer.tokens.Admin, 'Admin token');
    const name = `cli-${randomUUID().slice(0, 8)}`;
    const dir = mkdtempSync(path.join(tmpdir(), 'dm-self-'));
    // A CSR whose signature does not verify is refused before the CA hears of the name.
    const der = Buffer.from(
      certificateRequest(newEnrolmentKey(), name).split('\n').slice(1, -2).join(''),
      'base64',
    );
    der[40] = (der[40] ?? 0) ^ 1;
    const forged = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    const refusedCsr = await call(
      buyer,
      'POST',
      '/api/admin/users',
      {},
      { user: 'Admin', json: { name, role: 'buyer', csr: forged } },
    );
    expect(refusedCsr.status, JSON.stringify(refusedCsr.body)).to.equal(400);
    const keys = path.join(dir, 'keys');
    await json(['admin', 'add-user', name, '--role', 'buyer', '--self-custody', keys], adminToken);
    expect((await stat(path.join(keys, 'key.pem'))).mode & 0o077, 'key.pem is private').to.equal(0);
    const stored = present(await buyer.gateway.store.getAppUser(name), 'the user');
    expect(stored.custody).to.equal('self');
    expect(stored.sealedPrivateKey).to.equal(undefined);

    const account = await json<{ accountId: string; balance: string }>([
      'self',
      'account',
      '--keys',
      keys,
    ]);
    expect(account.balance).to.equal('0');
    await issuer.submitTransaction('MintTo', account.accountId, '500');

    const id = `cli-${randomUUID().slice(0, 8)}`;
    const listed = await call<{ listing: Listing }>(
      seller,
      'POST',
      '/api/channels/{channel}/datasets',
      { channel: CHANNEL },
      {
        json: {
          listing: {
            id,
            title: 'penguins for the CLI',
            description: 'vega-datasets penguins',
            price: '40',
            deposit: '5',
            deliverWithin: 600,
            resultWithin: 600,
            decryptWithin: 600,
            leakageBound: 3,
            ckksPreset: 'n8192',
            freeSample: false,
          },
          csv: (await penguinsCsv()).csv,
          standardize: true,
        },
      },
    );
    expect(listed.status, JSON.stringify(listed.body)).to.equal(201);

    const bundleFile = path.join(dir, 'bundle');
    const bought = await json<{ trade: Trade }>([
      'self',
      'buy',
      id,
      '--keys',
      keys,
      '--out',
      bundleFile,
    ]);
    expect(bought.trade.state).to.equal('DELIVERED');
    expect(bought.trade.buyer).to.equal(account.accountId);
    const resultFile = path.join(dir, 'result');
    await writeFile(resultFile, JSON.stringify({ values: [7] }));
    const tradeId = bought.trade.tradeId;
    const submitted = await json<Trade>([
      'self',
      'submit',
      tradeId,
      '--keys',
      keys,
      '--result',
      resultFile,
      '--values',
      '1',
    ]);
    expect(submitted.state).to.equal('RESULT_SUBMITTED');
    const result = await json<{ result: { values: number[] } }>([
      'self',
      'result',
      tradeId,
      '--keys',
      keys,
    ]);
    expect(result.result.values).to.deep.equal([7]);
    expect(await buyer.gateway.store.getBuyerKey(CHANNEL, tradeId)).to.equal(undefined);

    const users = await json<{ name: string; custody: string; revoked: boolean }[]>(
      ['admin', 'users'],
      adminToken,
    );
    expect(users.find((u) => u.name === name)).to.include({ custody: 'self', revoked: false });
    const revoked = await json<{ channelsUpdated: string[] }>(
      ['admin', 'revoke', name],
      adminToken,
    );
    expect(revoked.channelsUpdated).to.deep.equal([CHANNEL]);
    const refused = await cli(['self', 'account', '--keys', keys]);
    expect(refused.code).to.not.equal(0);
    expect(refused.stderr).to.match(/revoked/);
  });
});
