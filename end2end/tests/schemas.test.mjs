// Schema journeys: an owner proposes a new version of an event's value
// schema in the portal, sees the field diff and the compatibility verdict,
// registers it, and Kafka clients see it through the registry API.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useSwitchboard } from './harness.mjs';

const ctx = useSwitchboard();
const EVENT = 'fieldservice.job.assigned';
const SUBJECT = 'fieldservice.job.assigned.v1-value';

async function signIn(page, user) {
  await page.goto(`${ctx.sb.url}/signin`);
  await page.locator(`button[data-user="${user}"]`).click();
  await page.getByTestId('signed-in-as').waitFor();
}

async function check(page, schema) {
  await page.getByTestId('schema-text').fill(JSON.stringify(schema, null, 2));
  await page.getByTestId('check-schema').click();
  await page.getByTestId('verdict').waitFor();
  return page.getByTestId('verdict').textContent();
}

test('an owner checks and registers a compatible version; an incompatible one is refused', async () => {
  const page = await ctx.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await signIn(page, 'gareth.evans'); // field-service, the owning team
  await page.goto(`${ctx.sb.url}/events/${EVENT}`);
  await page.waitForSelector('body[data-hydrated]');
  const subject = page.locator(`[data-testid=subject][data-subject="${SUBJECT}"]`);
  await subject.waitFor();
  // The demo schemas were registered through the registry at start.
  const v1 = JSON.parse(await subject.getByTestId('version-text').textContent());
  assert.equal(v1.name, 'JobAssigned');

  await page.getByTestId('proposer').locator('summary').click();
  const v2 = { ...v1, fields: [...v1.fields, { name: 'crew_size', type: ['null', 'int'], default: null }] };
  assert.match(await check(page, v2), /^Compatible under BACKWARD/);
  const added = page.locator('[data-testid=diff-row][data-change=added]');
  assert.equal(await added.count(), 1);
  assert.match(await added.textContent(), /crew_size/);
  await page.getByTestId('register-schema').click();
  await page.getByTestId('registered').waitFor();
  assert.match(await page.getByTestId('registered').textContent(), /version 2/);
  // The event page now shows the new field.
  await page.locator('[data-testid=field][data-path=crew_size]').waitFor();

  const broken = { ...v1, fields: [...v1.fields, { name: 'crew_lead', type: 'string' }] };
  await page.getByTestId('proposer').locator('summary').click().catch(() => {});
  assert.match(await check(page, broken), /^Incompatible under BACKWARD/);
  assert.match(await page.getByTestId('check-result').textContent(), /READER_FIELD_MISSING_DEFAULT_VALUE/);
  assert.ok(await page.getByTestId('register-schema').isDisabled());

  // Clients see both versions through the Confluent-compatible API.
  const versions = await (await fetch(`${ctx.sb.url}/registry/subjects/${SUBJECT}/versions`)).json();
  assert.deepEqual(versions, [1, 2]);
  assert.deepEqual(errors, []);
  await page.close();
});

test('only owners propose and only admins change levels, on the server too', async () => {
  const page = await ctx.browser.newPage();
  await signIn(page, 'kate.morgan'); // service-desk: not an owner of this event
  await page.goto(`${ctx.sb.url}/events/${EVENT}`);
  await page.locator(`[data-testid=subject][data-subject="${SUBJECT}"]`).waitFor();
  assert.equal(await page.getByTestId('proposer').count(), 0);
  assert.equal(await page.getByTestId('set-level').count(), 0);
  await page.close();

  // Anonymous registry writes to an event's subject are refused, whatever the demo allows elsewhere.
  const body = JSON.stringify({ schema: '"string"' });
  const r = await fetch(`${ctx.sb.url}/registry/subjects/${SUBJECT}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body,
  });
  assert.ok([401, 403].includes(r.status), `status ${r.status}`);
  const versions = await (await fetch(`${ctx.sb.url}/registry/subjects/${SUBJECT}/versions`)).json();
  assert.ok(!versions.includes(3));
});
