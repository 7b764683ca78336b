// The UI shell: hydration, navigation, the clusters page with the demo mesh, 404.
// Each test file starts its own Switchboard with a demo mesh of real brokers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useSwitchboard } from './harness.mjs';

const ctx = useSwitchboard();

async function openPage(path) {
  const page = await ctx.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const response = await page.goto(ctx.sb.url + path);
  return { page, response, errors };
}

test('home page hydrates: the catalogue search reacts to typing without a reload', async () => {
  const { page, response, errors } = await openPage('/');
  assert.equal(response.status(), 200);
  assert.equal(await page.title(), 'Catalogue · Switchboard');
  const results = page.getByTestId('result');
  await results.first().waitFor();
  const total = page.getByTestId('total');
  const before = await total.textContent();
  await page.evaluate(() => { window.__sameDocument = true; });

  // Typing only changes the page once the WASM has hydrated it; retry until then.
  const input = page.getByTestId('search-input');
  const deadline = Date.now() + 30000;
  while (!page.url().includes('q=alarm')) {
    assert.ok(Date.now() < deadline, 'typing never updated the results: hydration did not happen');
    await input.fill('');
    await input.pressSequentially('alarm');
    await page.waitForTimeout(600);
  }
  await page.waitForFunction((b) => document.querySelector('[data-testid=total]')?.textContent !== b, before);
  assert.notEqual(await total.textContent(), before);
  assert.match(await results.first().textContent(), /alarm/i);
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
  // The filter works in the browser once hydrated.
  const filter = page.getByTestId('cluster-filter');
  const deadline = Date.now() + 30000;
  while ((await page.locator('[data-testid=cluster-row]:not(.hidden)').count()) !== 1) {
    assert.ok(Date.now() < deadline, 'the cluster filter never reacted');
    await filter.fill('');
    await filter.pressSequentially('gcp');
    await page.waitForTimeout(200);
  }
  assert.equal(await page.locator('[data-testid=cluster-row]:not(.hidden)').getAttribute('data-cluster'), 'gcp');
  assert.deepEqual(errors, []);
  await page.close();
});

test('navigation moves between pages in the browser and sets titles', async () => {
  const { page } = await openPage('/');
  await page.getByTestId('result').first().waitFor();
  await page.evaluate(() => { window.__sameDocument = true; });
  const deadline = Date.now() + 30000;
  // Client-side routing needs hydration; a full load would lose the marker.
  for (;;) {
    await page.getByRole('link', { name: 'Clusters', exact: true }).click();
    await page.waitForURL('**/clusters');
    if (await page.evaluate(() => window.__sameDocument === true)) break;
    assert.ok(Date.now() < deadline, 'navigation always reloaded the page');
    await page.goto(ctx.sb.url + '/');
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
