import { connect, hash, signers, type Contract } from '@hyperledger/fabric-gateway';
import { expect } from 'chai';
import { createPrivateKey, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { DataMarketClient } from '../../src/client/client.js';
import { enrollSelfCustody, SelfCustodyBuyer } from '../../src/client/self-custody.js';
import { penguinsCsv } from '../../src/demo/penguins.js';
import { connectAs, peerClient, type GatewayConnection } from '../../src/fabric/index.js';
import { networkScriptCrlPublisher } from '../../src/gateway/ca/crl-publisher.js';
import { Sealer } from '../../src/gateway/crypto/sealing.js';
import { userKeyLabel } from '../../src/gateway/org-users.js';
import { NETWORK_TESTED_ROUTES } from '../../src/gateway/routes/all.js';
import type { Listing, Trade } from '../../src/gateway/types.js';
import {
  call,
  closeAll,
  gatewayConfig,
  initialized,
  plainTestCrypto,
  present,
  startApp,
  waitFor,
  type AppHandle,
  type Reply,
} from './e2e-support.js';
import { ensureTestNetwork, testNetwork } from './test-network-fixture.js';

const CHANNEL = 'market';
const TRADE = '/api/channels/{channel}/trades/{tradeId}';
/** How a peer refuses a proposal whose creator its MSP does not accept (here: revoked). */
const PEER_REFUSAL = 'access denied: channel [market] creator org [BuyerMSP]';

/** Every `METHOD path status` the onboarding and self-custody routes answered here. */
const answered = new Set<string>();

// User onboarding through the org's Fabric CA, revocation into the channel MSP, and a
// non-custodial buyer whose key never reaches its org's app (docs/gateway.md).
describe('e2e: onboarding, revocation and non-custodial buyers on the real network', function () {
  this.timeout(600_000);
  let seller: AppHandle;
  let buyer: AppHandle;
  let issuerConnection: GatewayConnection;
  let issuer: Contract;
  let csv: string;

  const tracked = async <T>(reply: Promise<Reply<T>>, method: string, path: string) => {
    const done = await reply;
    answered.add(`${method} ${path} ${String(done.status)}`);
    return done;
  };
  const admin = <T = Record<string, unknown>>(
    method: string,
    path: string,
    params: Record<string, string>,
    options: Parameters<typeof call>[4] = {},
  ) => tracked(call<T>(buyer, method, path, params, { user: 'Admin', ...options }), method, path);

  const listDataset = async () => {
    const id = `onb-${randomUUID().slice(0, 8)}`;
    const reply = await call<{ listing: Listing }>(
      seller,
      'POST',
      '/api/channels/{channel}/datasets',
      { channel: CHANNEL },
      {
        json: {
          listing: {
            id,
            title: 'penguins for onboarding tests',
            description: 'vega-datasets penguins',
            price: '100',
            deposit: '10',
            deliverWithin: 600,
            resultWithin: 600,
            decryptWithin: 600,
            leakageBound: 5,
            ckksPreset: 'n8192',
            freeSample: false,
          },
          csv,
          standardize: true,
        },
      },
    );
    expect(reply.status, JSON.stringify(reply.body)).to.equal(201);
    return id;
  };

  before(async () => {
    await ensureTestNetwork();
    const network = await testNetwork.describe();
    expect(
      (network.orgs.buyer as { ca?: unknown } | undefined)?.ca,
      'network.sh up runs a CA per org',
    ).to.not.equal(undefined);
    issuerConnection = await connectAs(network, { org: 'auditor', user: 'Admin' });
    issuer = issuerConnection.gateway.getNetwork(CHANNEL).getContract('datamarket');
    await initialized(issuer);
    csv = (await penguinsCsv()).csv;
    const s = gatewayConfig(testNetwork.runDir, 'seller', ['seller'], [CHANNEL], ['Admin']);
    seller = await startApp(s.config, s.tokens, { crypto: plainTestCrypto });
    const b = gatewayConfig(testNetwork.runDir, 'buyer', ['buyer'], [CHANNEL], ['Admin', 'User1']);
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

  const fund = async (accountId: string) => {
    await issuer.submitTransaction('MintTo', accountId, '1000');
  };

  it('a non-custodial buyer completes a whole trade; the buyer app never holds its private key', async () => {
    const name = `nc-${randomUUID().slice(0, 8)}`;
    const adminClient = new DataMarketClient({
      url: buyer.url,
      token: present(buyer.tokens.Admin, 'Admin token'),
    });
    const identity = await enrollSelfCustody(adminClient, name, 'buyer');
    answered.add('POST /api/admin/users 201');
    const self = new SelfCustodyBuyer(identity, { url: buyer.url });
    const account = await self.account();
    answered.add('GET /api/self/channels/{channel}/account 200');
    expect(account.accountId).to.match(new RegExp(`^BuyerMSP::.*CN=${name}`));
    await fund(account.accountId);

    const datasetId = await listDataset();
    expect((await self.listing(datasetId)).id).to.equal(datasetId);
    answered.add('GET /api/self/channels/{channel}/listings/{datasetId} 200');
    const { trade, resultKey } = await self.buy(datasetId);
    for (const step of [
      'transactions 201',
      'transactions/{txId}/endorse 200',
      'transactions/{txId}/submit 200',
      'transactions/{txId}/commit 200',
    ]) {
      answered.add(`POST /api/self/channels/{channel}/${step}`);
    }
    expect(trade.state).to.equal('PAID');
    expect(trade.buyer).to.equal(account.accountId);

    const delivered = await self.waitForState(trade.tradeId, ['DELIVERED'], 120_000);
    answered.add('GET /api/self/channels/{channel}/trades/{tradeId} 200');
    const { bundle } = await self.download(trade.tradeId);
    expect(bundle.length).to.equal(delivered.bundleBytes);
    const submitted = await self.submitResult(
      trade.tradeId,
      Buffer.from(JSON.stringify({ values: [1.5, 2.5] })),
      2,
    );
    expect(submitted.state).to.equal('RESULT_SUBMITTED');
    const result = await self.requestResult(trade.tradeId, resultKey.privateKeyPem, 120_000);
    answered.add('GET /api/self/channels/{channel}/trades/{tradeId}/delivery 200');
    expect(result.result.values).to.deep.equal([1.5, 2.5]);
    expect(Number((await self.account()).balance)).to.equal(1000 - 100);

    // What the buyer app keeps for this user: its certificate, no key of any kind.
    const store = buyer.gateway.store;
    const stored = present(await store.getAppUser(name), 'the stored user');
    expect(stored.custody).to.equal('self');
    expect(stored.sealedPrivateKey).to.equal(undefined);
    expect(stored.certificatePem).to.equal(identity.certificatePem);
    expect(await store.getBuyerKey(CHANNEL, trade.tradeId), 'no result key either').to.equal(
      undefined,
    );
    expect(buyer.gateway.config.users.map((u) => u.user)).to.not.include(name);
    // Nor anywhere in the store's files: the key's secret scalar and its PEM body are absent.
    const d = Buffer.from(
      present(createPrivateKey(identity.privateKeyPem).export({ format: 'jwk' }).d, 'd'),
      'base64url',
    );
    const pemBody = identity.privateKeyPem.split('\n')[1] ?? '';
    const storePath = present(buyer.gateway.config.storePath, 'a SQLite store');
    for (const file of [storePath, `${storePath}-wal`]) {
      const bytes = await readFile(file).catch(() => Buffer.alloc(0));
      expect(bytes.includes(d), `${file} holds the key`).to.equal(false);
      expect(bytes.includes(Buffer.from(pemBody)), `${file} holds the key's PEM`).to.equal(false);
    }

    // The app cannot act for it: the custodial routes refuse its token, and it cannot sign.
    const refused = await call(
      buyer,
      'POST',
      '/api/channels/{channel}/trades',
      { channel: CHANNEL },
      { token: identity.token, json: { datasetId } },
    );
    expect(refused.status).to.equal(403);
    // A signature by another key is refused before anything is forwarded.
    const proposal = await call<{ txId: string }>(
      buyer,
      'POST',
      '/api/self/channels/{channel}/transactions',
      { channel: CHANNEL },
      { token: identity.token, json: { fn: 'Refund', args: [trade.tradeId] } },
    );
    expect(proposal.status).to.equal(201);
    const forged = await enrollSelfCustody(adminClient, `${name}-other`, 'buyer');
    const other = new SelfCustodyBuyer(forged, { url: buyer.url });
    const badSignature = Buffer.from(
      await signers.newPrivateKeySigner(createPrivateKey(other.identity.privateKeyPem))(
        Buffer.alloc(32, 1),
      ),
    ).toString('base64');
    const endorse = await call(
      buyer,
      'POST',
      '/api/self/channels/{channel}/transactions/{txId}/endorse',
      { channel: CHANNEL, txId: proposal.body.txId },
      { token: identity.token, json: { signature: badSignature } },
    );
    expect(endorse.status).to.equal(401);
    // Another user cannot sign someone else's pending transaction.
    const foreign = await call(
      buyer,
      'POST',
      '/api/self/channels/{channel}/transactions/{txId}/endorse',
      { channel: CHANNEL, txId: proposal.body.txId },
      { token: forged.token, json: { signature: badSignature } },
    );
    expect(foreign.status).to.equal(404);
  });

  it('a user added at run time trades; once revoked, its token is refused and the peers refuse its transactions', async () => {
    const name = `rt-${randomUUID().slice(0, 8)}`;
    const notAdmin = await call(
      buyer,
      'POST',
      '/api/admin/users',
      {},
      { user: 'User1', json: { name, role: 'buyer' } },
    );
    expect(notAdmin.status).to.equal(403);
    const added = await admin<{ token: string; custody: string; certificate: string }>(
      'POST',
      '/api/admin/users',
      {},
      { json: { name, role: 'buyer' } },
    );
    expect(added.status, JSON.stringify(added.body)).to.equal(201);
    expect(added.body.custody).to.equal('app');
    const again = await call(
      buyer,
      'POST',
      '/api/admin/users',
      {},
      { user: 'Admin', json: { name, role: 'buyer' } },
    );
    expect(again.status).to.equal(409);
    const listed = await admin<{ users: { name: string; revoked: boolean }[] }>(
      'GET',
      '/api/admin/users',
      {},
    );
    expect(listed.body.users.find((u) => u.name === name)?.revoked).to.equal(false);

    const token = added.body.token;
    const account = await call<{ accountId: string }>(
      buyer,
      'GET',
      '/api/channels/{channel}/account',
      { channel: CHANNEL },
      { token },
    );
    expect(account.status).to.equal(200);
    await fund(account.body.accountId);
    const datasetId = await listDataset();
    const bought = await call<Trade>(
      buyer,
      'POST',
      '/api/channels/{channel}/trades',
      { channel: CHANNEL },
      { token, json: { datasetId } },
    );
    expect(bought.status, JSON.stringify(bought.body)).to.equal(201);
    const tradeId = bought.body.tradeId;
    await waitFor(
      'delivery',
      async () => {
        const t = await call<Trade>(buyer, 'GET', TRADE, { channel: CHANNEL, tradeId }, { token });
        return t.body.state === 'DELIVERED' ? t.body : undefined;
      },
      120_000,
    );
    const submitted = await call<Trade>(
      buyer,
      'POST',
      `${TRADE}/result`,
      { channel: CHANNEL, tradeId },
      { token, raw: Buffer.from(JSON.stringify({ values: [3] })), query: { valueCount: '1' } },
    );
    expect(submitted.status, JSON.stringify(submitted.body)).to.equal(200);
    await waitFor(
      'settlement',
      async () => {
        const t = await call<Trade>(buyer, 'GET', TRADE, { channel: CHANNEL, tradeId }, { token });
        return t.body.state === 'SETTLED' ? t.body : undefined;
      },
      120_000,
    );

    // The same identity straight at the peer (its key, as the store keeps it sealed).
    const stored = present(await buyer.gateway.store.getAppUser(name), 'the stored user');
    const keyPem = new Sealer(buyer.gateway.config.storeSecret).open(
      present(stored.sealedPrivateKey, 'a sealed key'),
      userKeyLabel(name),
    );
    const network = await testNetwork.describe();
    const client = await peerClient(network, 'buyer');
    const direct = connect({
      client,
      identity: { mspId: 'BuyerMSP', credentials: Buffer.from(stored.certificatePem) },
      signer: signers.newPrivateKeySigner(createPrivateKey(keyPem)),
      hash: hash.sha256,
    });
    try {
      const contract = direct.getNetwork(CHANNEL).getContract('datamarket');
      expect(
        Buffer.from(await contract.evaluateTransaction('ClientAccountID')).toString(),
      ).to.equal(account.body.accountId);

      const revoked = await admin<{ channelsUpdated: string[] }>(
        'POST',
        '/api/admin/users/{name}/revoke',
        { name },
      );
      expect(revoked.status, JSON.stringify(revoked.body)).to.equal(200);
      expect(revoked.body.channelsUpdated).to.deep.equal([CHANNEL]);

      const afterRevoke = await call(
        buyer,
        'GET',
        '/api/channels/{channel}/account',
        { channel: CHANNEL },
        { token },
      );
      expect(afterRevoke.status).to.equal(401);
      const refusedBuy = await call(
        buyer,
        'POST',
        '/api/channels/{channel}/trades',
        { channel: CHANNEL },
        { token, json: { datasetId } },
      );
      expect(refusedBuy.status).to.equal(401);

      // The peers hold the CRL once the config block is committed: its proposals are refused.
      const refusal = await waitFor(
        'the peer to refuse the revoked certificate',
        async () => {
          try {
            await contract.submitTransaction('Purchase', datasetId, 'not a key');
            return undefined;
          } catch (error) {
            const text =
              JSON.stringify((error as { details?: unknown }).details ?? '') + String(error);
            return text.includes(PEER_REFUSAL) ? text : undefined;
          }
        },
        60_000,
      );
      expect(refusal).to.include(PEER_REFUSAL);
      let evaluated = true;
      await contract.evaluateTransaction('ClientAccountID').catch(() => (evaluated = false));
      expect(evaluated, 'evaluations by the revoked identity are refused too').to.equal(false);
    } finally {
      direct.close();
      client.close();
    }
  });

  it('answered every onboarding and non-custodial route with its success status', () => {
    const missing = NETWORK_TESTED_ROUTES.map(
      (route) =>
        `${route.method.toUpperCase()} ${route.path} ${String(route.response.status ?? 200)}`,
    ).filter((key) => !answered.has(key));
    expect(missing).to.deep.equal([]);
  });
});
