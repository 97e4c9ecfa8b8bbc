import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { closeAll, firstToken, gatewayConfig, startApp, type AppHandle } from './e2e-support.js';
import { formPool, poolProposal } from './pool-market.js';
import { ensureTestNetwork, testNetwork } from './test-network-fixture.js';
import { launchChromium, overflowing, screenshot, signedInPage } from './web-support.js';

const CHANNEL = 'market';
const SELLERS = ['Admin', 'User1'];

// A pool formed through the seller app's routes on the real network, then browsed in Chromium
// from the buyer app: the catalogue lists it next to the listings, its page shows the members.
describe('web app in Chromium: pools in the catalogue and the pool page', function () {
  this.timeout(600_000);
  const poolId = `webpool-${randomUUID().slice(0, 8)}`;
  const title = `Web pool ${poolId}`;
  const rowCounts = [12, 7];
  let seller: AppHandle;
  let buyer: AppHandle;
  let browser: Browser;
  const pages: Page[] = [];

  before(async () => {
    await ensureTestNetwork();
    const runDir = testNetwork.runDir;
    const s = gatewayConfig(runDir, 'seller', ['seller'], [CHANNEL], SELLERS);
    seller = await startApp(s.config, s.tokens);
    const b = gatewayConfig(runDir, 'buyer', ['buyer'], [CHANNEL], ['User1']);
    buyer = await startApp(b.config, b.tokens);
    await formPool(
      poolProposal(poolId, ['x', 'y'], SELLERS.length, {
        title,
        price: '40',
        deposit: '5',
        leakageBound: 4,
        aggregation: { valueBound: 1000, fractionalBits: 20 },
      }),
      SELLERS.map((user, i) => ({
        user,
        app: seller,
        rows: Array.from({ length: rowCounts[i] ?? 1 }, (_, r) => [r, r * 2]),
      })),
    );
    browser = await launchChromium();
  });

  after(async () => {
    await closeAll(
      ...pages.map((page) => () => page.context().close()),
      () => browser.close(),
      () => seller.gateway.close(),
      () => buyer.gateway.close(),
    );
  });

  it('the catalogue lists the pool with the filters; its page shows members, rows and the split rule', async () => {
    const page = await signedInPage(browser, buyer.url, firstToken(buyer), 360);
    pages.push(page);
    await page.goto(`${buyer.url}/#/catalogue`);
    await page.getByLabel('Search title, description or id').fill(poolId);
    const card = page.locator('#listings li', { hasText: title });
    await card.waitFor();
    expect(await card.innerText())
      .to.include('rows')
      .and.to.include('2 of 2 seats');
    // The price filter applies to pools: below the pool's price it is hidden.
    await page.getByLabel('Highest price').fill('39');
    await card.waitFor({ state: 'detached' });
    await page.getByLabel('Highest price').fill('40');
    await page.getByLabel('CKKS preset').selectOption('n8192-d2');
    await page.getByLabel('Computation policy').selectOption('open');
    await card.getByRole('link', { name: `Pool: ${title}` }).click();

    await page.getByRole('heading', { name: `Pool: ${title}` }).waitFor();
    const members = page.locator('table', { hasText: 'Members' });
    await members.waitFor();
    const text = await members.innerText();
    // Both seats taken (the test network's CNs: orgadmin, user1), each with its rows.
    expect(text, text).to.not.include('open seat');
    expect(text.toLowerCase(), text).to.include('user1');
    expect(text).to.include(String(rowCounts[0])).and.to.include(String(rowCounts[1]));
    const terms = await page.locator('section.panel', { hasText: 'split rule' }).innerText();
    expect(terms).to.match(/split rule\s+rows/);
    expect(terms).to.include('4 values per trade');
    await page.getByRole('heading', { name: 'Joint trades' }).waitFor();
    expect(await overflowing(page), 'fits 360 px').to.deep.equal([]);
    await screenshot(page, 'web-pool-360');

    // An unknown pool: the API's message.
    await page.goto(`${buyer.url}/#/pool/${CHANNEL}/no-such-pool-${poolId}`);
    await page.locator('#toast').filter({ hasText: /\S/ }).waitFor();
  });
});
