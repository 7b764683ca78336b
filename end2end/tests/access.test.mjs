// The access journey: a staff user registers an application, asks to consume
// a PII event on a cluster other than its home; the owning team approves,
// data protection approves, and the request moves to provisioning.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useSwitchboard } from './harness.mjs';

const ctx = useSwitchboard();
const EVENT = 'customer.address.changed'; // PII, owned by crm-customer-data, home aws

async function as(user) {
  const page = await ctx.browser.newPage();
  page.on('pageerror', (e) => { throw e; });
  await page.goto(`${ctx.sb.url}/signin`);
  await page.locator(`button[data-user="${user}"]`).click();
  await page.getByTestId('signed-in-as').waitFor();
  return page;
}

async function decide(user, id) {
  const page = await as(user);
  await page.goto(`${ctx.sb.url}/approvals`);
  await page.waitForSelector('body[data-hydrated]');
  const row = page.locator(`[data-testid=inbox-row][data-request="${id}"]`);
  await row.waitFor();
  await row.locator('a').click();
  await page.waitForURL(new RegExp(`/requests/${id}$`));
  await page.waitForSelector('body[data-hydrated]');
  await page.getByTestId('decision-comment').fill(`approved by ${user}`);
  await page.getByTestId('approve').click();
  await page.locator(`[data-testid=approval-step][data-decision=approved]`).first().waitFor();
  return page;
}

test('consume a PII event on another cluster: owner and data protection approve, then provisioning', async () => {
  const staff = await as('zoe.williams'); // customer-insights
  await staff.goto(`${ctx.sb.url}/applications`);
  await staff.waitForSelector('body[data-hydrated]');
  await staff.getByTestId('app-name').fill('churn-model');
  await staff.locator('input[data-cluster=gcp]').fill('User:svc-churn');
  await staff.getByTestId('app-submit').click();
  await staff.locator('[data-testid=application][data-name=churn-model]').waitFor();

  await staff.goto(`${ctx.sb.url}/events/${EVENT}`);
  await staff.waitForSelector('body[data-hydrated]');
  await staff.getByTestId('request-access').click();
  await staff.waitForURL(/\/request$/);
  await staff.waitForSelector('body[data-hydrated]');
  await staff.getByTestId('cluster').selectOption('gcp');
  await staff.getByTestId('group').fill('churn-model');
  await staff.getByTestId('purpose').fill('Churn prediction needs address moves.');
  await staff.getByTestId('submit-request').click();
  await staff.waitForURL(/\/requests\/[^/]+$/);
  const id = (await staff.getByTestId('request-id').textContent()).trim();
  assert.equal(await staff.getByTestId('request-state').textContent(), 'submitted');
  assert.equal(await staff.locator('[data-testid=approval-step]').count(), 2, 'owner and data protection');
  // Nobody approves their own request.
  assert.equal(await staff.getByTestId('decide').count(), 0);

  const owner = await decide('sofia.martins', id); // crm-customer-data
  assert.equal(await owner.getByTestId('request-state').textContent(), 'submitted');
  await owner.close();
  const dp = await decide('margaret.oduya', id); // data-protection
  await dp.getByTestId('grant').waitFor();
  assert.equal(await dp.getByTestId('request-state').textContent(), 'provisioning');
  assert.ok(await dp.getByTestId('job').count() > 0, 'provisioning jobs are queued');
  await dp.close();

  await staff.reload();
  await staff.getByTestId('grant').waitFor();
  assert.equal(await staff.getByTestId('request-state').textContent(), 'provisioning');
  await staff.close();
});
