import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core for the web app's tests (npm packages cannot
 * download browsers here; scripts/setup.sh installs the `chromium` package). The flags keep
 * it off the network: background connections would be refused by this machine anyway.
 */
export const CHROMIUM = process.env.DATAMARKET_CHROMIUM ?? '/usr/bin/chromium';
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
/** Screenshots land here (gitignored, left behind by CI runs). */
export const SCREENSHOTS = path.join(repoRoot, '.run', 'screenshots');

export function launchChromium(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A fresh browser context (its own cookies) with one page, signed in to an app with a token. */
export async function signedInPage(
  browser: Browser,
  url: string,
  token: string,
  width = 1200,
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${url}/`);
  await page.getByLabel('API token of your org').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#sign-out').waitFor();
  return page;
}

/**
 * Elements whose box reaches past the viewport's right edge (or the page scrolling sideways),
 * described for the assertion message; empty when the page fits.
 */
export async function overflowing(page: Page): Promise<string[]> {
  // Runs in the page (a string: this project's TypeScript has no DOM types).
  const found: unknown = await page.evaluate(`(() => {
    const width = document.documentElement.clientWidth;
    const found = [];
    if (document.documentElement.scrollWidth > width) {
      found.push('page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + width);
    }
    for (const element of document.body.querySelectorAll('*')) {
      const box = element.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      if (box.right > width + 0.5 || box.left < -0.5) {
        const name = element.tagName.toLowerCase() + (element.id ? '#' + element.id : '');
        found.push(name + ' spans ' + Math.round(box.left) + '..' + Math.round(box.right) + ' of ' + width);
      }
    }
    return found;
  })()`);
  return found as string[];
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
