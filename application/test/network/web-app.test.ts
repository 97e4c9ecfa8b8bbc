import type { Contract } from '@hyperledger/fabric-gateway';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import {
  connectAs,
  retryWhileEndorsersSettle,
  type GatewayConnection,
} from '../../src/fabric/index.js';
import type { Listing } from '../../src/gateway/types.js';
import {
  call,
  closeAll,
  firstToken,
  gatewayConfig,
  initialized,
  present,
  startApp,
  type AppHandle,
} from './e2e-support.js';
import { ensureTestNetwork, testNetwork } from './test-network-fixture.js';
import { launchChromium, overflowing, screenshot, signedInPage } from './web-support.js';

const CHANNEL = 'market';
const LONG = { timeout: 240_000 };

/** Waits for a computation on the page to end; a failed one fails the test with its message. */
async function finished(page: Page, box: string): Promise<void> {
  await page.locator(`${box} tbody tr, ${box} #submit-result, ${box} .bad`).first().waitFor(LONG);
  const failure = page.locator(`${box} .bad`);
  if ((await failure.count()) > 0) throw new Error(`${box}: ${await failure.innerText()}`);
}

/** The mean of column j. */
const columnMean = (rows: number[][], j: number) =>
  rows.reduce((sum, row) => sum + present(row[j], `column ${j}`), 0) / rows.length;

// The web app each org's gateway app serves, driven in Debian's Chromium against the real
// network and real apps: the seller with the CKKS engine, the buyer computing on its machine.
describe('web app in Chromium: buyer, seller and auditor pages', function () {
  this.timeout(600_000);
  let seller: AppHandle;
  let buyer: AppHandle;
  let auditor: AppHandle;
  let browser: Browser;
  let issuerConnection: GatewayConnection;
  let issuer: Contract;
  const datasetId = `web-${Date.now()}`;
  const title = `Web test data ${datasetId}`;
  const rows = Array.from({ length: 40 }, (_, i) => [i / 10, (i % 7) - 3]);
  // One row with NA: the preview and the seller app both drop it.
  const csv = `x,y\n${rows.map((r) => r.join(',')).join('\n')}\nNA,1\n`;
  let tradeId = '';
  const pages: Page[] = [];
  const open = async (app: AppHandle, width?: number) => {
    const page = await signedInPage(browser, app.url, firstToken(app), width);
    pages.push(page);
    return page;
  };

  before(async () => {
    await ensureTestNetwork();
    const network = await testNetwork.describe();
    issuerConnection = await connectAs(network, { org: 'auditor', user: 'Admin' });
    issuer = issuerConnection.gateway.getNetwork(CHANNEL).getContract('datamarket');
    await initialized(issuer);
    const s = gatewayConfig(testNetwork.runDir, 'seller', ['seller'], [CHANNEL], ['User1']);
    seller = await startApp(s.config, s.tokens); // the real CKKS engine
    // The seller makes the sample's keys on the first request: on a loaded machine that takes
    // longer than the default 5 s before its app answers.
    const b = gatewayConfig(testNetwork.runDir, 'buyer', ['buyer'], [CHANNEL], ['Admin'], {
      otherAppTimeouts: { connectMs: 120_000, totalMs: 180_000 },
    });
    buyer = await startApp(b.config, b.tokens);
    const a = gatewayConfig(testNetwork.runDir, 'auditor', ['auditor'], [CHANNEL], ['Admin']);
    auditor = await startApp(a.config, a.tokens);
    const account = await call<{ accountId: string }>(
      buyer,
      'GET',
      '/api/channels/{channel}/account',
      {
        channel: CHANNEL,
      },
    );
    await retryWhileEndorsersSettle(() => issuer.submitTransaction('Mint', '1000'));
    await retryWhileEndorsersSettle(() =>
      issuer.submitTransaction('Transfer', account.body.accountId, '500'),
    );
    browser = await launchChromium();
  });

  after(async () => {
    await closeAll(
      ...pages.map((page) => () => page.context().close()),
      () => browser.close(),
      () => seller.gateway.close(),
      () => buyer.gateway.close(),
      () => auditor.gateway.close(),
      () => {
        issuerConnection.close();
      },
    );
  });

  it('refuses a wrong token, an expired session and a state-changing call without its CSRF token', async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${buyer.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const wrong = await post('/web/session', { token: 'not-the-token-of-this-org' });
    expect(wrong.status).to.equal(401);
    expect(((await wrong.json()) as { error: string }).error).to.equal('unknown API token');

    // In the page: the API's message is shown.
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${buyer.url}/`);
    await page.getByLabel('API token of your org').fill('not-the-token-of-this-org');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#toast', { hasText: 'unknown API token' }).waitFor();
    await context.close();

    const signIn = async (seconds?: number) => {
      const reply = await post('/web/session', {
        token: firstToken(buyer),
        ...(seconds ? { seconds } : {}),
      });
      expect(reply.status).to.equal(201);
      const setCookie = present(reply.headers.get('set-cookie'), 'a session cookie');
      expect(setCookie)
        .to.match(/HttpOnly/)
        .and.to.match(/SameSite=Strict/);
      const { csrfToken } = (await reply.json()) as { csrfToken: string };
      return { cookie: present(setCookie.split(';')[0], 'the cookie'), csrfToken };
    };
    const account = (headers: Record<string, string>) =>
      fetch(`${buyer.url}/api/channels/${CHANNEL}/account`, { headers });

    const short = await signIn(1);
    expect((await account({ cookie: short.cookie })).status).to.equal(200);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const expired = await account({ cookie: short.cookie });
    expect(expired.status).to.equal(401);
    expect(((await expired.json()) as { code: string }).code).to.equal('SESSION_EXPIRED');

    const session = await signIn();
    const buy = { datasetId: 'no-such-dataset', expectedPrice: '1', expectedDeposit: '0' };
    const noCsrf = await post(`/api/channels/${CHANNEL}/trades`, buy, { cookie: session.cookie });
    expect(noCsrf.status).to.equal(403);
    expect(((await noCsrf.json()) as { code: string }).code).to.equal('CSRF');
    const badCsrf = await post(`/api/channels/${CHANNEL}/trades`, buy, {
      cookie: session.cookie,
      'x-csrf-token': `${session.csrfToken.slice(0, -2)}xx`,
    });
    expect(badCsrf.status).to.equal(403);
    const noCsrfSignOut = await fetch(`${buyer.url}/web/session`, {
      method: 'DELETE',
      headers: { cookie: session.cookie },
    });
    expect(noCsrfSignOut.status).to.equal(403);
    // With the token the call gets through to the route (and the ledger knows no such dataset).
    const withCsrf = await post(`/api/channels/${CHANNEL}/trades`, buy, {
      cookie: session.cookie,
      'x-csrf-token': session.csrfToken,
    });
    expect(withCsrf.status).to.equal(404);
    // Bearer tokens work as before, without a cookie or CSRF token.
    expect((await account({ authorization: `Bearer ${firstToken(buyer)}` })).status).to.equal(200);
    const signOut = await fetch(`${buyer.url}/web/session`, {
      method: 'DELETE',
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken },
    });
    expect(signOut.status).to.equal(204);
    expect((await account({ cookie: session.cookie })).status).to.equal(401);
  });

  it('a seller uploads a CSV, sees its schema and value ranges, chooses terms and lists it', async () => {
    const page = await open(seller);
    await page.goto(`${seller.url}/#/sell`);
    await page.locator('#csv-file').setInputFiles({
      name: 'web-data.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });
    await page.getByText('40 rows kept, 1 dropped').waitFor();
    const schemaRows = await page.locator('#csv-preview tbody tr').allInnerTexts();
    expect(schemaRows).to.have.length(2);
    expect(schemaRows[0]).to.include('x').and.include('3.9');
    await page.locator('#sell-id').fill(datasetId);
    await page.locator('#term-title').fill(title);
    await page.locator('#term-price').fill('10');
    await page.locator('#term-deposit').fill('2');
    await page.locator('#term-leakageBound').fill('2');
    await page.locator('#sell-preset').selectOption('n8192-d2');
    // Approved computations only: the mean (checked by default once 'approved' is chosen).
    await page.locator('#sell-policy').selectOption('approved');
    await page.locator('#sell-sample-kind').selectOption('marginals');
    await screenshot(page, 'seller-sell');
    await page.locator('#list-dataset').click();
    await page.locator('#sell-done', { hasText: 'Listed' }).waitFor(LONG);
    const listing = await call<Listing>(
      buyer,
      'GET',
      '/api/channels/{channel}/listings/{datasetId}',
      {
        channel: CHANNEL,
        datasetId,
      },
    );
    expect(listing.body.schema).to.deep.equal({ columns: ['x', 'y'], rowCount: 40 });
    expect(listing.body.price).to.equal('10');
    expect(listing.body.computationPolicy).to.deep.equal({
      mode: 'approved',
      computations: [{ id: 'column-means', kind: 'builtin' }],
    });
  });

  it('a buyer browses, tries the sample, buys at the price shown, runs an approved mean, submits and reads the result', async () => {
    const page = await open(buyer);
    await page.locator('#listings li', { hasText: title }).waitFor();
    await page.locator('#search').fill(datasetId);
    await page.getByText(/^1 of \d+ listings and pools$/).waitFor();
    await page.locator('#filter-preset').selectOption('n8192-d2');
    await page.getByRole('link', { name: title }).click();
    await page.getByText('2 values per result').waitFor();
    // The listing page names what may be computed; the buyer is offered only that.
    await page.locator('dd li', { hasText: 'column-means' }).waitFor();
    expect(await page.locator('#sample-computation option').allInnerTexts()).to.deep.equal([
      'mean of each column',
    ]);
    await page.getByText("The seller's history").waitFor();

    await page.locator('#try-sample').click();
    const sample = page.locator('#sample-out tbody tr');
    await finished(page, '#sample-out');
    const sampleRows = await sample.allInnerTexts();
    expect(sampleRows).to.have.length(2);
    for (const row of sampleRows) expect(row).to.match(/-?\d+(\.\d+)?/);

    expect(await page.locator('#buy').isDisabled()).to.equal(true);
    expect(await page.locator('#price').innerText()).to.include('Price 10 tokens + deposit 2');
    await page.locator('#confirm-price').check();
    await page.locator('#buy').click();
    await page.waitForURL(/#\/trade\/market\/[0-9a-f]{64}$/);
    tradeId = present(/([0-9a-f]{64})$/.exec(page.url())?.[1], 'the trade id');

    await page.getByText('State: DELIVERED').waitFor(LONG);
    // The running deadline is a countdown; a refund is allowed before the result deadline.
    expect(await page.locator('li[data-state=DELIVERED] time').innerText()).to.match(/left$/);
    await page.locator('#refund').waitFor();
    await screenshot(page, 'buyer-trade-delivered');

    await page.locator('#run-computation').click();
    await finished(page, '#compute-out');
    await page.locator('#submit-result').waitFor();
    expect(await page.locator('#compute-out progress').getAttribute('value')).to.equal('100');
    await page.locator('#submit-result').click();
    await page.getByText('State: SETTLED').waitFor(LONG);
    const result = page.locator('#work tbody tr');
    await result.first().waitFor(LONG);
    const values = (await result.allInnerTexts()).map((text) =>
      Number(/(-?[\d.]+)\s*$/.exec(text)?.[1]),
    );
    expect(values[0]).to.be.closeTo(columnMean(rows, 0), 0.01);
    expect(values[1]).to.be.closeTo(columnMean(rows, 1), 0.01);
    // The seller's app re-executed the named computation and got the same bytes.
    await page.getByText("column-means (seller's re-execution: verified)").waitFor();
    expect(await page.locator('#refund').count()).to.equal(0);
    expect(await page.locator('#refund-why').innerText()).to.equal('the trade is closed (SETTLED)');
    await screenshot(page, 'buyer-trade-settled');
  });

  it('the seller sees the sale and what its app did for it (pump journal)', async () => {
    expect(tradeId, 'the buyer test bought').to.match(/^[0-9a-f]{64}$/);
    const page = await open(seller);
    await page.goto(`${seller.url}/#/listings`);
    await page.locator(`button[data-trade="${tradeId}"]`).click();
    await page.locator('#pump-journal', { hasText: 'result-delivered' }).waitFor();
    expect(await page.locator('#pump-journal').innerText()).to.include('delivery-confirmed');
    await screenshot(page, 'seller-sales');
  });

  it("an auditor sees a balanced supply chart and the trade's timeline", async () => {
    expect(tradeId, 'the buyer test bought').to.match(/^[0-9a-f]{64}$/);
    const page = await open(auditor);
    await page.locator('#supply-verdict[data-balanced=true]').waitFor(LONG);
    const points: unknown = await page.evaluate(
      "Chart.getChart('supply-chart')?.data.labels.length ?? 0",
    );
    expect(points).to.be.greaterThan(0);
    await screenshot(page, 'auditor-supply');
    // Any table exports what it shows as CSV.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export Trades by state as CSV' }).click(),
    ]);
    const exported = readFileSync(await download.path(), 'utf8').split('\n');
    expect(exported[0]).to.equal('state,trades');
    expect(exported.find((line) => line.startsWith('SETTLED,'))).to.match(/^SETTLED,[1-9]\d*$/);
    await page.locator(`a[href="#/audit/trade/${CHANNEL}/${tradeId}"]`).click();
    await page.locator('#timeline li').first().waitFor();
    const states = await Promise.all(
      (await page.locator('#timeline li').all()).map((item) => item.getAttribute('data-state')),
    );
    expect(states).to.deep.equal(['PAID', 'DELIVERED', 'RESULT_SUBMITTED', 'SETTLED']);
    await screenshot(page, 'auditor-timeline');
    await page.goto(`${auditor.url}/#/blocks`);
    await page.locator('caption', { hasText: 'Latest blocks' }).waitFor();
    await page.locator('table button.link').first().click();
    await page.locator('#block-detail table').waitFor();
  });

  it('is usable from the keyboard: sign in with Enter, Tab to a listing, open it with Enter', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    pages.push(page);
    await page.goto(`${buyer.url}/`);
    await page.locator('#token:focus').waitFor(); // the sign-in page puts the focus on its field
    await page.keyboard.type(firstToken(buyer));
    await page.keyboard.press('Enter');
    await page.locator('#listings li', { hasText: title }).waitFor();
    let focused = '';
    for (let i = 0; i < 60 && focused !== title; i++) {
      await page.keyboard.press('Tab');
      focused = String(await page.evaluate('document.activeElement?.textContent ?? ""'));
    }
    expect(focused).to.equal(title);
    await page.keyboard.press('Enter');
    await page.getByText('Terms and deadlines').waitFor();
  });

  it("each role's main page fits a 360 px screen: no element overflows (screenshots)", async () => {
    const mains: [string, AppHandle, string][] = [
      ['buyer', buyer, '#listings li'],
      ['seller', seller, '#my-listings li'],
      ['auditor', auditor, '#supply-verdict[data-balanced=true]'],
    ];
    for (const [role, app, ready] of mains) {
      const page = await open(app, 360);
      await page.locator(ready).first().waitFor(LONG);
      await page.waitForLoadState('networkidle').catch(() => undefined);
      await screenshot(page, `${role}-main-360`);
      expect(await overflowing(page), `${role} at 360 px`).to.deep.equal([]);
    }
  });
});
