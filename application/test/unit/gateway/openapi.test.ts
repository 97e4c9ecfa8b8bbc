import { expect } from 'chai';
import { createApp, mountedRoutes } from '../../../src/gateway/app.js';
import { withDefaults, type Role } from '../../../src/gateway/config.js';
import { Sealer } from '../../../src/gateway/crypto/sealing.js';
import type { Ledger } from '../../../src/gateway/ledger.js';
import { openApiFor, checkResponse } from '../../../src/gateway/openapi.js';
import { SqliteSellerStore } from '../../../src/gateway/store/seller-store.js';

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
    ledger: { org: 'seller', mspId: 'SellerMSP' } as unknown as Ledger,
    store: new SqliteSellerStore(':memory:'),
    sealer: new Sealer(config.storeSecret),
    trustedCas: new Map(),
    publicUrl: () => 'http://127.0.0.1:1',
  });
}

function specRoutes(roles: Role[]): string[] {
  const paths = openApiFor(roles).paths as Record<string, Record<string, unknown>>;
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

  it('documents statuses and required fields that checkResponse enforces', () => {
    const spec = openApiFor(['buyer']);
    expect(
      checkResponse(spec, 'GET', '/health', 200, {
        status: 'ok',
        org: 'b',
        mspId: 'B',
        roles: [],
        channels: [],
      }),
    ).to.deep.equal([]);
    expect(checkResponse(spec, 'GET', '/health', 200, { status: 'ok' })).to.have.length(4);
    expect(checkResponse(spec, 'GET', '/health', 418, {})[0]).to.match(/not documented/);
    expect(checkResponse(spec, 'GET', '/api/channels/{channel}/datasets', 200, {})[0]).to.match(
      /not in the description/,
    );
  });

  it('serves itself at GET /openapi.json and answers unknown routes with a JSON 404', async () => {
    const app = appFor(['buyer']);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    try {
      const spec = (await (await fetch(`http://127.0.0.1:${port}/openapi.json`)).json()) as {
        openapi: string;
      };
      expect(spec.openapi).to.equal('3.1.0');
      const missing = await fetch(`http://127.0.0.1:${port}/api/channels/market/datasets`);
      expect(missing.status).to.equal(404);
      const noToken = await fetch(`http://127.0.0.1:${port}/api/channels/market/listings`);
      expect(noToken.status).to.equal(401);
      expect(
        checkResponse(
          openApiFor(['buyer']),
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
