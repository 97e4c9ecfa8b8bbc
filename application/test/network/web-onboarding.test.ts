import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { networkScriptCrlPublisher } from '../../src/gateway/ca/crl-publisher.js';
import { call, closeAll, gatewayConfig, startApp, type AppHandle } from './e2e-support.js';
import { ensureTestNetwork, testNetwork } from './test-network-fixture.js';
import { launchChromium, screenshot, signedInPage } from './web-support.js';

const CHANNEL = 'market';

/** A same-origin fetch from the page (its session cookie goes along), as the page's own code. */
async function pageFetch(page: Page, path: string): Promise<{ status: number; body: unknown }> {
  // A string: this project's TypeScript has no DOM types.
  const reply: unknown = await page.evaluate(
    `fetch(${JSON.stringify(path)}).then(async (r) => ({ status: r.status, body: await r.json() }))`,
  );
  return reply as { status: number; body: unknown };
}

// A buyer the org admin adds at run time (POST /api/admin/users) signs in to the web app with
// the token it was given, acts as itself, and its session ends when the admin revokes it.
describe('web app: a user onboarded at run time signs in (real network, Chromium)', function () {
  this.timeout(600_000);
  let buyer: AppHandle;
  let browser: Browser;

  before(async () => {
    await ensureTestNetwork();
    const b = gatewayConfig(testNetwork.runDir, 'buyer', ['buyer'], [CHANNEL], ['Admin', 'User1']);
    buyer = await startApp(b.config, b.tokens, {
      publishCrl: networkScriptCrlPublisher({
        runDir: testNetwork.runDir,
        portBase: testNetwork.portBase,
        org: 'buyer',
        channels: [CHANNEL],
      }),
    });
    browser = await launchChromium();
  });

  after(async () => {
    await closeAll(
      () => browser.close(),
      () => buyer.gateway.close(),
    );
  });

  it('the admin adds a buyer; it signs in to the page as itself, and revoking it ends the session', async () => {
    const name = `web-${randomUUID().slice(0, 8)}`;
    const added = await call<{ token: string; custody: string }>(
      buyer,
      'POST',
      '/api/admin/users',
      {},
      { user: 'Admin', json: { name, role: 'buyer' } },
    );
    expect(added.status, JSON.stringify(added.body)).to.equal(201);
    expect(added.body.custody).to.equal('app');

    const page = await signedInPage(browser, buyer.url, added.body.token);
    expect(await page.locator('#org').innerText()).to.contain('(buyer)');
    const session = await pageFetch(page, '/web/session');
    expect(session.status).to.equal(200);
    expect((session.body as { user: string }).user).to.equal(name);
    // Through its session the app signs as the new user: the ledger sees its own account.
    const account = await pageFetch(page, `/api/channels/${CHANNEL}/account`);
    expect(account.status, JSON.stringify(account.body)).to.equal(200);
    expect((account.body as { accountId: string }).accountId).to.match(
      new RegExp(`^BuyerMSP::.*CN=${name}`),
    );
    await screenshot(page, 'onboarded-buyer-signed-in');

    const revoked = await call(
      buyer,
      'POST',
      '/api/admin/users/{name}/revoke',
      { name },
      { user: 'Admin' },
    );
    expect(revoked.status, JSON.stringify(revoked.body)).to.equal(200);
    const after = await pageFetch(page, `/api/channels/${CHANNEL}/account`);
    expect(after.status).to.equal(401);
    expect((after.body as { code: string }).code).to.equal('SESSION_EXPIRED');
    await page.context().close();

    // Signing in again with the revoked token is refused, with the API's message.
    const context = await browser.newContext();
    const again = await context.newPage();
    await again.goto(`${buyer.url}/`);
    await again.getByLabel('API token of your org').fill(added.body.token);
    await again.getByRole('button', { name: 'Sign in' }).click();
    await again.locator('#toast', { hasText: 'revoked' }).waitFor();
    await context.close();
  });
});
