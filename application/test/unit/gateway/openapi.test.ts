import { expect } from 'chai';
import { withDefaults, type Role } from '../../../src/gateway/config.js';
import { Sealer } from '../../../src/gateway/crypto/sealing.js';
import type { MarketLedger } from '../../../src/gateway/ledger/market-ledger.js';
import { openApiDocument } from '../../../src/gateway/openapi.js';
import { createApp, mountedRoutes, routesFor } from '../../../src/gateway/routes/registry.js';
import { SqliteSellerStore } from '../../../src/gateway/store/seller-store.js';
import { checkResponse } from '../../support/openapi-check.js';

function appFor(roles: Role[]) {
  const config = withDefaults({
    org: 'seller',
    roles,
    channels: ['market'],
    networkRunDir: '/nonexistent',
    storePath: ':memory:',
    storeSecret: 'unit test store secret',
    users: [],
  });
  return createApp({
    config,
    ledger: { org: 'seller', mspId: 'SellerMSP' } as unknown as MarketLedger,
    store: new SqliteSellerStore(':memory:'),
    sealer: new Sealer(config.storeSecret),
    trustedCas: new Map(),
    signingIdentity: () => Promise.reject(new Error('no identities in this test')),
    publicUrl: () => 'http://127.0.0.1:1',
  });
}

type Operations = Record<string, Record<string, { 'x-datamarket-role': string }>>;

function specRoutes(roles: Role[]): string[] {
  const paths = openApiDocument(routesFor(roles)).paths as Operations;
  return Object.entries(paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

describe('gateway: OpenAPI description', () => {
  const combos: Role[][] = [['seller', 'buyer', 'auditor'], ['seller'], ['buyer'], ['auditor']];
  for (const roles of combos) {
    it(`lists exactly the routes an app with roles ${roles.join('+')} serves`, () => {
      expect(mountedRoutes(appFor(roles))).to.deep.equal(specRoutes(roles));
    });
  }

  it('marks every operation with its role and types its parameters and bodies', () => {
    const document = openApiDocument(routesFor(['seller', 'buyer', 'auditor']));
    const paths = document.paths as Operations;
    for (const ops of Object.values(paths)) {
      for (const op of Object.values(ops)) {
        expect(['any', 'seller', 'buyer', 'auditor']).to.include(op['x-datamarket-role']);
      }
    }
    const purchase = JSON.stringify(paths['/api/channels/{channel}/trades']?.post);
    expect(purchase).to.match(/"expectedPrice":\{[^}]*"type":"string"/);
    expect(purchase).to.include('"pattern"');
    const schemas = (document.components as { schemas: Record<string, unknown> }).schemas;
    expect(Object.keys(schemas)).to.include.members(['Trade', 'Listing', 'Error', 'TradePage']);
  });

  it('checks real responses against the schemas the document was generated from', () => {
    const roles: Role[] = ['buyer'];
    const health = { status: 'ok', org: 'b', mspId: 'B', roles: [], channels: [] };
    expect(checkResponse(roles, 'GET', '/health', 200, health)).to.deep.equal([]);
    expect(checkResponse(roles, 'GET', '/health', 200, { status: 'ok' })).to.have.length(4);
    expect(checkResponse(roles, 'GET', '/health', 200, { ...health, roles: 'buyer' })[0]).to.match(
      /roles: /,
    );
    expect(checkResponse(roles, 'GET', '/health', 418, {})[0]).to.match(/not documented/);
    expect(checkResponse(roles, 'GET', '/api/channels/{channel}/datasets', 200, {})[0]).to.match(
      /not in the description/,
    );
    expect(
      checkResponse(roles, 'GET', '/api/channels/{channel}/listings', 401, { error: 'x' }),
    ).to.have.length(1);
  });

  it('serves itself at GET /openapi.json and answers unknown routes with a JSON 404', async () => {
    const app = appFor(['buyer']);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    try {
      const served = await fetch(`http://127.0.0.1:${String(port)}/openapi.json`);
      const spec = (await served.json()) as { openapi: string; paths: Record<string, unknown> };
      expect(spec.openapi).to.equal('3.1.0');
      expect(Object.keys(spec.paths).sort()).to.deep.equal(
        Object.keys(openApiDocument(routesFor(['buyer'])).paths as Operations).sort(),
      );
      const missing = await fetch(`http://127.0.0.1:${String(port)}/api/channels/market/datasets`);
      expect(missing.status).to.equal(404);
      const noToken = await fetch(`http://127.0.0.1:${String(port)}/api/channels/market/listings`);
      expect(noToken.status).to.equal(401);
      expect(
        checkResponse(
          ['buyer'],
          'GET',
          '/api/channels/{channel}/listings',
          401,
          await noToken.json(),
        ),
      ).to.deep.equal([]);
    } finally {
      server.close();
    }
  });
});
