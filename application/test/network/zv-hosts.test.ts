import { expect } from 'chai';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectAs, type GatewayConnection } from '../../src/fabric/index.js';
import type { Role } from '../../src/gateway/config.js';
import { penguinsCsv } from '../../src/demo/penguins.js';
import { gatewayConfig, initialized, waitFor } from './e2e-support.js';
import { ensureTestNetwork, testNetwork } from './test-network-fixture.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHANNEL = 'market';
const netns = (org: string) => `dm${String(testNetwork.portBase)}-${org}`;

/** Whether this machine lets us create a network namespace (root, iproute2). */
function namespacesWork(): boolean {
  const probe = `dm${String(testNetwork.portBase)}-probe`;
  if (spawnSync('ip', ['netns', 'add', probe]).status !== 0) return false;
  spawnSync('ip', ['netns', 'del', probe]);
  return true;
}

interface RemoteApp {
  child: ChildProcess;
  url: string;
  token: string;
}

/** Starts an org's gateway app inside the org's network namespace, on the org's address. */
async function startAppInHost(org: string, roles: Role[], host: string): Promise<RemoteApp> {
  const port = testNetwork.portBase + 410 + (org === 'seller' ? 0 : 1);
  const { config, tokens } = gatewayConfig(testNetwork.runDir, org, roles, [CHANNEL], ['Admin'], {
    host,
    port,
    publicUrl: `http://${host}:${String(port)}`,
  });
  const file = path.join(mkdtempSync(path.join(tmpdir(), `dm-hosts-${org}-`)), 'config.json');
  writeFileSync(file, JSON.stringify(config));
  // The seller-process helper starts any app from a config file (plain test crypto).
  const child = spawn(
    'ip',
    ['netns', 'exec', netns(org), process.execPath, path.join(here, 'e2e-seller-process.js'), file],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${org} app did not start:\n${output}`));
    }, 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${org} app exited (${String(code)}):\n${output}`));
    });
  });
  return { child, url, token: tokens.Admin ?? '' };
}

interface Reply<T> {
  status: number;
  body: T;
}

async function api(
  app: RemoteApp,
  method: string,
  route: string,
  json?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${app.url}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${app.token}`,
      ...(json === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const type = response.headers.get('content-type') ?? '';
  const body: unknown = type.includes('json')
    ? await response.json()
    : await response.arrayBuffer();
  return { status: response.status, body };
}

// `up --hosts`: each org on its own address in its own network namespace, its gateway app
// beside its nodes. One whole trade crosses the hosts.
describe('one host per org (up --hosts)', function () {
  this.timeout(900_000);
  const apps: RemoteApp[] = [];
  let issuerConnection: GatewayConnection | undefined;

  before(async function () {
    if (!namespacesWork()) {
      console.log('      skipped: this machine cannot create network namespaces (needs root)');
      this.skip();
    }
    await ensureTestNetwork({ hosts: true });
  });

  after(() => {
    for (const app of apps) app.child.kill('SIGTERM');
    issuerConnection?.close();
  });

  it('runs each org on its own address and settles a whole trade across the hosts', async () => {
    const network = await testNetwork.describe();
    const addresses = ['seller', 'buyer', 'auditor'].map(
      (org) => network.orgs[org]?.peerEndpoint.split(':')[0] ?? '',
    );
    expect(new Set(addresses).size).to.equal(3);
    for (const address of addresses) expect(address).to.match(/^10\.251\.\d+\.\d+$/);
    // The seller's peer listens in the seller's namespace only, on the seller's address.
    const sellerPort = network.orgs.seller?.peerEndpoint.split(':')[1] ?? '';
    const inSeller = execFileSync('ip', ['netns', 'exec', netns('seller'), 'ss', '-Htln'], {
      encoding: 'utf8',
    });
    expect(inSeller).to.include(`${addresses[0] ?? ''}:${sellerPort}`);
    expect(execFileSync('ss', ['-Htln'], { encoding: 'utf8' })).to.not.include(`:${sellerPort} `);

    issuerConnection = await connectAs(network, { org: 'auditor', user: 'Admin' });
    const issuer = issuerConnection.gateway.getNetwork(CHANNEL).getContract('datamarket');
    await initialized(issuer);
    const seller = await startAppInHost('seller', ['seller'], addresses[0] ?? '');
    apps.push(seller);
    const buyer = await startAppInHost('buyer', ['buyer'], addresses[1] ?? '');
    apps.push(buyer);
    expect(seller.url).to.include(addresses[0]);
    const account = (await api(buyer, 'GET', `/api/channels/${CHANNEL}/account`)) as Reply<{
      accountId: string;
    }>;
    await issuer.submitTransaction('Mint', '1000');
    await issuer.submitTransaction('Transfer', account.body.accountId, '1000');

    const { csv } = await penguinsCsv();
    const listed = (await api(seller, 'POST', `/api/channels/${CHANNEL}/datasets`, {
      listing: {
        id: `hosts-${randomUUID().slice(0, 8)}`,
        title: 'Palmer penguins across hosts',
        description: 'standardised',
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
    })) as Reply<{ listing: { id: string; sellerGatewayUrl: string } }>;
    expect(listed.status, JSON.stringify(listed.body)).to.equal(201);
    expect(listed.body.listing.sellerGatewayUrl).to.equal(seller.url);

    const bought = (await api(buyer, 'POST', `/api/channels/${CHANNEL}/trades`, {
      datasetId: listed.body.listing.id,
    })) as Reply<{ tradeId: string }>;
    expect(bought.status, JSON.stringify(bought.body)).to.equal(201);
    const trade = `/api/channels/${CHANNEL}/trades/${bought.body.tradeId}`;
    const waitForState = (state: string) =>
      waitFor(
        `trade to be ${state}`,
        async () => {
          const { body } = (await api(buyer, 'GET', trade)) as Reply<{ state: string }>;
          return body.state === state ? body : undefined;
        },
        180_000,
      );
    await waitForState('DELIVERED');
    // The buyer's app fetches the bundle from the seller's app, host to host.
    const bundle = (await api(buyer, 'GET', `${trade}/bundle`)) as Reply<ArrayBuffer>;
    expect(bundle.status).to.equal(200);
    expect(bundle.body.byteLength).to.be.greaterThan(0);

    const response = await fetch(`${buyer.url}${trade}/result?valueCount=1`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${buyer.token}`,
        'content-type': 'application/octet-stream',
      },
      body: Buffer.from(JSON.stringify({ values: [0.5] })),
    });
    expect(response.status, await response.text()).to.equal(200);
    await waitForState('SETTLED');
  });
});
