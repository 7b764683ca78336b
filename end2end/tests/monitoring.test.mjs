// Monitoring as a newcomer sees it on `serve --demo` (sampling every 2 s):
// the demo traffic shows as a chart on the event page whose data points are
// read from the page (not pixels), the mesh map marks the demo link, a
// consumer falling behind appears in the consumers table and its lag rule
// fires on /alerts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useSwitchboard, waitFor } from './harness.mjs';

const ctx = useSwitchboard({
  config: '[monitoring]\ninterval_secs = 2\n',
});

async function signIn(page, user) {
  await page.goto(`${ctx.sb.url}/signin`);
  await page.locator(`button[data-user="${user}"]`).click();
  await page.getByTestId('signed-in-as').waitFor();
}

// Points of the first chart on the page: [{series, at, value}].
async function chartPoints(page) {
  return page.locator('[data-testid=chart] circle[data-at]').evaluateAll((circles) =>
    circles.map((c) => ({
      series: c.closest('[data-series]')?.getAttribute('data-series'),
      at: Number(c.getAttribute('data-at')),
      value: Number(c.getAttribute('data-value')),
    })));
}

test('the event page draws the demo traffic and lists its consumers', async () => {
  // The API first: the sampler needs two passes before there is a rate.
  const event = 'network.alarm.raised';
  await waitFor(async () => {
    const t = await (await fetch(`${ctx.sb.url}/api/v1/events/${event}/traffic?range=hour`)).json();
    return t.rate.series.some((s) => s.points.some((p) => p.value > 0));
  }, 'a records/s point above zero', 90000);

  const page = await ctx.browser.newPage();
  page.on('pageerror', (e) => { throw e; });
  await signIn(page, 'platform.admin');
  await page.goto(`${ctx.sb.url}/events/${event}`);
  await page.locator('[data-testid=chart]').first().waitFor();
  const points = await chartPoints(page);
  assert.ok(points.length > 0, 'the chart has points');
  assert.ok(points.some((p) => p.value > 0), `some point shows records: ${JSON.stringify(points)}`);
  const api = await (await fetch(`${ctx.sb.url}/api/v1/events/${event}/traffic?range=hour`)).json();
  const apiValues = new Set(api.rate.series.flatMap((s) => s.points.map((p) => `${p.at}`)));
  assert.ok(points.every((p) => apiValues.has(`${p.at}`) || p.at > Math.max(...[...apiValues].map(Number))),
    'the page draws the points the API returns');
  await page.close();
});

test('a consumer falls behind: consumers table, mesh map and a firing alert', async () => {
  const page = await ctx.browser.newPage();
  page.on('pageerror', (e) => { throw e; });
  await signIn(page, 'platform.admin');
  // The demo's slow consumer: its lag rule (500 records for 1 minute) fires.
  let firing;
  await waitFor(async () => {
    const res = await page.request.get(`${ctx.sb.url}/api/v1/alerts`);
    const alerts = await res.json();
    firing = alerts.firing?.find((a) => a.kind === 'consumer_lag');
    return Boolean(firing);
  }, 'a firing consumer-lag alert', 240000);

  await page.goto(`${ctx.sb.url}/alerts`);
  await page.waitForSelector('body[data-hydrated]');
  const firingRow = page.locator('[data-testid=firing] [data-testid=alert]').first();
  await firingRow.waitFor();
  assert.match(await firingRow.textContent(), new RegExp(firing.event.replace(/\./g, '\\.')));

  await page.goto(`${ctx.sb.url}/events/${firing.event}`);
  const row = page.locator('[data-testid=consumers] [data-testid=consumer]').first();
  await row.waitFor();
  assert.match(await row.textContent(), /\d/);

  await page.goto(`${ctx.sb.url}/clusters`);
  const map = page.locator('[data-testid=mesh-map]');
  await map.waitFor();
  for (const c of ['onprem', 'aws', 'gcp']) {
    assert.equal(await map.locator(`[data-cluster=${c}]`).first().getAttribute('data-reachable'), 'true');
  }
  assert.ok(await map.locator('[data-link][data-source=onprem][data-target=gcp]').count() > 0, 'the demo link is drawn');
  await page.close();
});
