// Audit log and notifications: an admin searches the audit log; a real access
// request (through the REST API of the access workflow) notifies the event's
// owners, whose bell shows the unread count until they mark it read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useSwitchboard } from './harness.mjs';

const ctx = useSwitchboard();
const EVENT = 'customer.address.changed'; // owned by crm-customer-data
const REQUESTER = 'zoe.williams'; // customer-insights
const OWNER = 'sofia.martins'; // crm-customer-data

async function as(user) {
  const page = await ctx.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.errors = errors;
  await page.goto(`${ctx.sb.url}/signin`);
  await page.locator(`button[data-user="${user}"]`).click();
  await page.getByTestId('signed-in-as').waitFor();
  return page;
}

// A JSON call with the page's session cookie, as a same-origin script would send it.
async function call(page, method, path, body) {
  const r = await page.request.fetch(`${ctx.sb.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', origin: ctx.sb.url },
    data: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status(), body: text ? JSON.parse(text) : null };
}

async function bellCount(page) {
  const bell = page.getByTestId('bell');
  await bell.waitFor();
  return Number(await bell.getAttribute('data-unread'));
}

test('an admin opens the audit log from /admin, filters by action and exports', async () => {
  const page = await as('platform.admin');
  // Nothing has notified the admin: the bell is there, without a count.
  assert.equal(await bellCount(page), 0);
  assert.equal(await page.getByTestId('bell-count').count(), 0);

  await page.goto(`${ctx.sb.url}/admin`);
  await page.waitForSelector('body[data-hydrated]');
  await page.getByTestId('audit-link').click();
  await page.waitForURL(/\/admin\/audit$/);
  const rows = page.getByTestId('audit-row');
  await rows.first().waitFor();
  assert.ok((await rows.count()) > 0, 'the demo start wrote audit entries');

  // The demo registered its clusters (cluster.*) and schemas (schema.*).
  const form = page.getByTestId('audit-filters');
  await form.locator('input[name=action]').fill('schema.');
  await form.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/action=schema\./);
  await rows.first().waitFor();
  const actions = await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.action));
  assert.ok(actions.length > 0);
  assert.ok(actions.every((a) => a.startsWith('schema.')), actions.join(','));
  const ids = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.id)));
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
  // Before and after, collapsed until asked for.
  const details = rows.first().locator('details');
  await details.locator('summary').click();
  assert.match(await details.locator("pre").last().textContent(), /[{\[]/);

  const href = await page.getByTestId('audit-export').getAttribute('href');
  assert.equal(href, '/api/v1/audit/export?action=schema.');
  const exported = await page.request.get(`${ctx.sb.url}${href}`);
  assert.equal(exported.status(), 200);
  assert.equal(exported.headers()['content-type'], 'application/x-ndjson');
  const lines = (await exported.text()).trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.every((e) => e.action.startsWith('schema.')));
  // The export is oldest first; the page shows the newest of the same entries.
  assert.deepEqual(lines.slice(-ids.length).map((e) => e.id).reverse(), ids);
  if (lines.length > ids.length) {
    await page.getByTestId('audit-older').click();
    await page.waitForURL(/before=/);
    await page.waitForFunction(
      (oldest) => Number(document.querySelector('[data-testid=audit-row]')?.dataset.id) < oldest,
      ids[ids.length - 1],
    );
  }
  assert.deepEqual(page.errors, []);
  await page.close();

  // Not for anyone else.
  const staff = await as(REQUESTER);
  await staff.goto(`${ctx.sb.url}/admin/audit`);
  await staff.getByTestId('error').waitFor();
  assert.equal((await staff.request.get(`${ctx.sb.url}/api/v1/audit`)).status(), 403);
  await staff.close();
});

test('a consume request notifies the owners: the bell counts it until it is read', async () => {
  const staff = await as(REQUESTER);
  const app = await call(staff, 'POST', '/api/v1/applications', {
    team: 'customer-insights',
    name: 'bell-check',
    description: 'browser test of notifications',
    principals: [{ cluster: 'gcp', principal: 'User:svc-bell-check' }],
  });
  assert.equal(app.status, 201, JSON.stringify(app.body));
  const req = await call(staff, 'POST', '/api/v1/requests/consume', {
    event: EVENT,
    cluster: 'gcp',
    application: app.body.id,
    group: 'bell-check',
    group_is_prefix: false,
    purpose: 'Checking that owners hear about requests.',
    end_date: null,
  });
  assert.equal(req.status, 201, JSON.stringify(req.body));
  const id = req.body.id;
  await staff.close();

  const owner = await as(OWNER);
  // The notifier runs every two seconds; each navigation re-reads the count.
  const deadline = Date.now() + 20000;
  while ((await bellCount(owner)) < 1) {
    assert.ok(Date.now() < deadline, 'the owner is notified');
    await owner.waitForTimeout(500);
    await owner.goto(`${ctx.sb.url}/`);
  }
  const before = await bellCount(owner);
  assert.equal(await owner.getByTestId('bell-count').textContent(), String(before));

  await owner.waitForSelector('body[data-hydrated]');
  await owner.getByTestId('bell').click();
  await owner.waitForURL(/\/notifications$/);
  await owner.waitForSelector('body[data-hydrated]');
  const item = owner.locator(`[data-testid=notification][data-kind="request.submitted"][data-unread=true]`, {
    has: owner.locator(`a[href="/requests/${id}"]`),
  });
  await item.waitFor();
  assert.match(await item.textContent(), new RegExp(`${REQUESTER} asks to consume ${EVENT.replaceAll('.', '\\.')} on gcp`));
  await item.getByTestId('mark-read').click();
  await owner.locator(`[data-testid=notification][data-unread=false]`, {
    has: owner.locator(`a[href="/requests/${id}"]`),
  }).first().waitFor();
  // The bell follows without a reload.
  await owner.waitForFunction(
    (n) => Number(document.querySelector('[data-testid=bell]')?.dataset.unread) === n,
    before - 1,
  );
  assert.deepEqual(owner.errors, []);
  await owner.close();

  // The requester is not notified of her own request.
  const again = await as(REQUESTER);
  const mine = await call(again, 'GET', '/api/v1/notifications');
  assert.equal(mine.status, 200);
  assert.ok(!mine.body.items.some((n) => n.link === `/requests/${id}` && n.kind === 'request.submitted'));
  await again.close();
});
