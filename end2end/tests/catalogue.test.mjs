// Catalogue journeys: search, facet filter, event page with schema and PII flags.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useSwitchboard } from './harness.mjs';

const ctx = useSwitchboard();

test('search customer, filter by PII, open an event and see PII fields', async () => {
  const page = await ctx.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // The plain GET form: works before and without hydration.
  await page.goto(`${ctx.sb.url}/?q=customer`);
  const results = page.getByTestId('result');
  await results.first().waitFor();
  const all = Number((await page.getByTestId('total').textContent()).split(' ')[0]);
  assert.ok(all >= 3, `expected several customer events, got ${all}`);
  assert.ok(await page.locator('.snippet mark').count() > 0, 'snippets highlight matches');

  await page.locator('a[data-facet=classification][data-value=pii]').click();
  await page.waitForURL(/classification=pii/);
  await page.waitForFunction((n) => {
    const t = document.querySelector('[data-testid=total]')?.textContent ?? '';
    return Number(t.split(' ')[0]) < n;
  }, all);
  const pii = await results.count();
  assert.ok(pii > 0);
  for (const card of await results.all()) {
    assert.ok(await card.locator('[data-tag=pii]').count() === 1, 'every result is tagged PII');
  }

  await results.first().locator('a.card-title').click();
  await page.waitForURL(/\/events\//);
  await page.getByTestId('event-title').waitFor();
  const fields = page.getByTestId('field');
  assert.ok(await fields.count() > 3);
  assert.ok(await page.getByTestId('pii-flag').count() > 0, 'PII fields are flagged');
  assert.ok((await page.getByTestId('availability').count()) >= 1);
  // The AsyncAPI button downloads the event's document.
  const asyncapi = page.getByTestId('asyncapi-link');
  const href = await asyncapi.getAttribute('href');
  assert.match(href, /^\/api\/v1\/events\/[a-z0-9._-]+\/asyncapi\.yaml$/);
  assert.match(await asyncapi.getAttribute('download'), /\.asyncapi\.yaml$/);
  const doc = await fetch(`${ctx.sb.url}${href}`);
  assert.equal(doc.status, 200);
  assert.equal(doc.headers.get('content-type'), 'application/yaml');
  assert.match(await doc.text(), /^asyncapi: 3\.0\.0\n/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('REST search finds events by a schema field name and caps bad input', async () => {
  const found = await (await fetch(`${ctx.sb.url}/api/v1/events?q=msisdn`)).json();
  assert.ok(found.total > 0);
  for (const q of ['"unbalanced', 'AND OR', '+-:(', 'x'.repeat(5000)]) {
    const r = await fetch(`${ctx.sb.url}/api/v1/events?q=${encodeURIComponent(q)}`);
    assert.equal(r.status, 200, q.slice(0, 20));
  }
  const missing = await fetch(`${ctx.sb.url}/api/v1/events/no.such.event`);
  assert.equal(missing.status, 404);
});

test('an admin signs in, claims an unclaimed topic, then finds it in search', async () => {
  const page = await ctx.browser.newPage();
  await page.goto(`${ctx.sb.url}/signin`);
  await page.locator('button[data-user="platform.admin"]').click();
  await page.getByTestId('signed-in-as').waitFor();
  assert.equal(await page.getByTestId('signed-in-as').textContent(), 'platform.admin');

  await page.goto(`${ctx.sb.url}/admin`);
  await page.waitForSelector('body[data-hydrated]');
  // A topic the demo created on the onprem broker without any event.
  const row = page.locator('[data-testid=unclaimed][data-topic="noc.syslog.raw"]');
  await row.waitFor();
  await row.locator('input[name=name]').fill('noc.syslog.raw');
  await row.locator('input[name=title]').fill('Raw NOC syslog');
  await row.locator('select[name=team]').selectOption('network-operations');
  await row.getByRole('button', { name: 'Claim' }).click();
  await page.getByTestId('claimed').waitFor();
  await row.waitFor({ state: 'detached' });

  await page.goto(`${ctx.sb.url}/?q=${encodeURIComponent('Raw NOC syslog')}`);
  const first = page.getByTestId('result').first();
  await first.waitFor();
  assert.equal(await first.getAttribute('data-event'), 'noc.syslog.raw');
  assert.match(await first.textContent(), /draft/);
  await page.close();
});

test('a signed-out visitor cannot see discovery', async () => {
  const r = await fetch(`${ctx.sb.url}/api/v1/discovery`);
  assert.equal(r.status, 401);
});
