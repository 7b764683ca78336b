// The UI shell: hydration, navigation, the clusters page with the demo mesh, 404.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBrowser, startSwitchboard } from './harness.mjs';

let sb;
let browser;

before(async () => {
  sb = await startSwitchboard();
  browser = await startBrowser();
});

after(async () => {
  await browser?.close();
  if (sb) {
    const { code, signal } = await sb.stop();
    assert.equal(code, 0, `switchboard should stop cleanly on SIGTERM (signal ${signal})`);
  }
});

async function openPage(path) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const response = await page.goto(sb.url + path);
  return { page, response, errors };
}

test('home page hydrates: the cluster filter works without a reload', async () => {
  const { page, response, errors } = await openPage('/');
  assert.equal(response.status(), 200);
  assert.equal(await page.title(), 'Overview · Switchboard');
  const tiles = page.locator('[data-testid=cluster-tile]');
  await tiles.first().waitFor();
  assert.equal(await tiles.count(), 3);
  await page.evaluate(() => { window.__sameDocument = true; });

  // Typing only changes the page once the WASM has hydrated it; retry until then.
  const filter = page.getByTestId('cluster-filter');
  const count = page.getByTestId('filter-count');
  const deadline = Date.now() + 30000;
  while ((await count.textContent()) !== 'Showing 1 of 3') {
    assert.ok(Date.now() < deadline, 'the filter never reacted: hydration did not happen');
    await filter.fill('');
    await filter.pressSequentially('aws');
    await page.waitForTimeout(200);
  }
  assert.equal(await page.locator('[data-testid=cluster-tile]:not(.hidden)').count(), 1);
  assert.match(await page.locator('[data-testid=cluster-tile]:not(.hidden)').textContent(), /AWS/);
  assert.equal(await page.evaluate(() => window.__sameDocument), true, 'page reloaded');
  assert.deepEqual(errors, []);
  await page.close();
});

test('clusters page shows the three demo clusters as reachable', async () => {
  const { page, response, errors } = await openPage('/clusters');
  assert.equal(response.status(), 200);
  const rows = page.locator('[data-testid=cluster-row]');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 3);
  const ids = await rows.evaluateAll((rs) => rs.map((r) => r.dataset.cluster));
  assert.deepEqual(ids.sort(), ['aws', 'gcp', 'onprem']);
  for (const status of await page.locator('[data-testid=cluster-row] [data-testid=status]').allTextContents()) {
    assert.equal(status, 'reachable');
  }
  assert.match(await rows.first().textContent(), /1 broker\(s\)/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('navigation moves between pages in the browser and sets titles', async () => {
  const { page } = await openPage('/');
  await page.locator('[data-testid=cluster-tile]').first().waitFor();
  await page.evaluate(() => { window.__sameDocument = true; });
  const deadline = Date.now() + 30000;
  // Client-side routing needs hydration; a full load would lose the marker.
  for (;;) {
    await page.getByRole('link', { name: 'Clusters', exact: true }).click();
    await page.waitForURL('**/clusters');
    if (await page.evaluate(() => window.__sameDocument === true)) break;
    assert.ok(Date.now() < deadline, 'navigation always reloaded the page');
    await page.goto(sb.url + '/');
    await page.waitForTimeout(500);
    await page.evaluate(() => { window.__sameDocument = true; });
  }
  await page.locator('[data-testid=cluster-row]').first().waitFor();
  assert.equal(await page.title(), 'Clusters · Switchboard');
  assert.equal(await page.locator('.mainnav a[aria-current=page]').textContent(), 'Clusters');
  await page.close();
});

test('an unknown address shows the 404 page with status 404', async () => {
  const { page, response } = await openPage('/no/such/page');
  assert.equal(response.status(), 404);
  await page.getByTestId('not-found').waitFor();
  assert.equal(await page.title(), 'Not found · Switchboard');
  await page.close();
});
