// The access journey: a staff user registers an application, asks to consume
// a PII event on a cluster other than its home; the owning team approves,
// data protection approves, and the in-process worker provisions it against
// the demo brokers (ACLs without an authorizer, a mirror link from the home
// cluster) until it is active with connection settings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useSwitchboard, waitFor } from './harness.mjs';

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

test('consume a PII event on another cluster: owner and data protection approve, then it is provisioned', async () => {
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
  // The worker may already be done by the time the page shows the decision.
  assert.ok(['provisioning', 'active'].includes(await dp.getByTestId('request-state').textContent()));
  assert.ok(await dp.getByTestId('step').count() > 0, 'provisioning steps are shown');
  // The page refetches itself while provisioning: no reload needed.
  await waitFor(async () => (await dp.getByTestId('request-state').textContent()) === 'active',
    'the decided request to become active without a reload', 30000);
  await dp.getByTestId('connection').waitFor();
  await dp.close();

  await staff.reload();
  await staff.waitForSelector('body[data-hydrated]');
  await staff.getByTestId('grant').waitFor();
  assert.ok(['provisioning', 'active'].includes(await staff.getByTestId('request-state').textContent()));
  const topic = (await staff.getByTestId('request-topic').textContent()).trim();
  assert.ok(topic.length > 0, 'the request names its topic');

  await waitFor(async () => (await staff.getByTestId('request-state').textContent()) === 'active',
    'the request to become active', 30000);
  const states = await staff.locator('[data-testid=step]').evaluateAll((els) => els.map((e) => e.dataset.state));
  assert.ok(states.length >= 3, `ACLs, mirror link and done (${states})`);
  assert.deepEqual(states.filter((s) => s !== 'done'), [], 'every step is done');
  assert.match(
    await staff.locator('[data-testid=step][data-kind=create_acls] [data-testid=step-outcome]').textContent(),
    /no authorizer/,
  );
  assert.equal(await staff.locator('[data-testid=step][data-kind=create_mirror_link]').count(), 1);

  // Connection details are for signed-in callers: ask with the staff session.
  const clusters = await (await staff.request.fetch(`${ctx.sb.url}/api/v1/clusters`)).json();
  const gcp = clusters.find((c) => c.id === 'gcp');
  await staff.getByTestId('connection').waitFor();
  assert.equal((await staff.getByTestId('bootstrap-servers').textContent()).trim(), gcp.bootstrap_servers);
  // The demo clusters have no registry of their own: the portal's, made absolute in the browser.
  await waitFor(async () => (await staff.getByTestId('registry-url').textContent()) === `${ctx.sb.url}/registry`,
    'the portal registry URL');
  for (const lang of ['java', 'python', 'rust']) {
    const text = await staff.getByTestId(`snippet-${lang}`).textContent();
    assert.ok(text.includes(topic), `${lang} snippet names the topic`);
    assert.ok(text.includes('churn-model'), `${lang} snippet names the group`);
    assert.ok(text.includes(`${ctx.sb.url}/registry`), `${lang} snippet names the registry`);
  }

  // The mirror link shows on the clusters page and on the event page.
  await staff.goto(`${ctx.sb.url}/clusters`);
  await staff.waitForSelector('body[data-hydrated]');
  // (The demo mesh has links of its own.)
  const link = staff
    .locator('[data-testid=cluster-links][data-cluster=gcp] [data-testid=link-row][data-source=aws][data-target=gcp]')
    .filter({ hasText: topic });
  await link.waitFor();
  assert.match(await link.textContent(), /aws → gcp/);
  assert.equal(await link.getAttribute('data-state'), 'running');
  await staff.goto(`${ctx.sb.url}/events/${EVENT}`);
  await staff.waitForSelector('body[data-hydrated]');
  const mirror = staff.locator('[data-testid=mirror-row][data-cluster=gcp]');
  await mirror.waitFor();
  assert.ok((await mirror.textContent()).includes(topic), 'the mirror row names the mirror topic');
  await staff.close();
});
