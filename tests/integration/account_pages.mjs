// SPDX-License-Identifier: Apache-2.0
// Drives the password-reset page of a mail's link in headless Chromium with JavaScript off:
// a mismatched pair first (the form comes back with an error), then a new password.
// Usage: node account_pages.mjs URL NEW_PASSWORD CHROMIUM NODE_MODULES
// Prints {"mismatch_status", "mismatch_text", "heading", "requests"} as JSON.
import { createRequire } from 'node:module';
import path from 'node:path';

const [url, password, chromiumPath, nodeModules] = process.argv.slice(2);
const require = createRequire(path.join(nodeModules, 'x.js'));
const { chromium } = require('playwright-core');

const browser = await chromium.launch({
  executablePath: chromiumPath,
  headless: true,
  timeout: 30000,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  const requests = [];
  page.on('request', (r) => { if (r.url() !== url) requests.push(r.url()); });

  const first = await page.goto(url);
  if (first.status() !== 200) throw new Error(`GET ${url}: HTTP ${first.status()}`);
  await page.fill('#password', password);
  await page.fill('#confirm', password + ' but different');
  const [mismatch] = await Promise.all([
    page.waitForNavigation(),
    page.click('button[type=submit]'),
  ]);
  const mismatchText = await page.textContent('.error');

  await page.fill('#password', password);
  await page.fill('#confirm', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  const heading = await page.textContent('h1');
  console.log(JSON.stringify({
    mismatch_status: mismatch.status(), mismatch_text: mismatchText, heading, requests,
  }));
} finally {
  await browser.close();
}
