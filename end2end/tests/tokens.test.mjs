// API tokens from the browser to a script: a user creates a token on
// /tokens, sees its secret once, uses it from outside the browser (fetch with
// `Authorization: Bearer`, no cookie) and revokes it; the revoked token is
// refused at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useSwitchboard } from './harness.mjs';

const ctx = useSwitchboard();

test('create a token on the page, call the API with it, revoke it', async () => {
  const page = await ctx.browser.newPage();
  page.on('pageerror', (e) => { throw e; });
  await page.goto(`${ctx.sb.url}/signin`);
  await page.locator('button[data-user="zoe.williams"]').click();
  await page.getByTestId('signed-in-as').waitFor();
  await page.getByTestId('tokens-link').click();
  await page.waitForURL(/\/tokens$/);
  await page.waitForSelector('body[data-hydrated]');
  await page.getByTestId('no-tokens').waitFor();

  await page.getByTestId('token-name').fill('ci pipeline');
  await page.locator('input[data-scope=request]').check();
  await page.getByTestId('token-submit').click();
  await page.getByTestId('token-created').waitFor();
  const bearer = await page.getByTestId('token-bearer').inputValue();
  const key = await page.getByTestId('token-key').inputValue();
  assert.match(bearer, /^sbk_[0-9a-f]{16}\.[0-9a-f]{64}$/);
  const row = page.locator(`[data-testid=token][data-id="${key}"]`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-state'), 'active');
  assert.match(await row.textContent(), /read request/);
  assert.ok(!(await row.textContent()).includes(bearer.split('.')[1]), 'the list never shows the secret');

  // From a script: no cookie, just the token.
  const me = await fetch(`${ctx.sb.url}/api/v1/me`, { headers: { authorization: `Bearer ${bearer}` } });
  assert.equal(me.status, 200);
  assert.equal((await me.json()).user_id, 'zoe.williams');

  await row.getByTestId('token-revoke').click();
  await page.locator(`[data-testid=token][data-id="${key}"][data-state=revoked]`).waitFor();
  const after = await fetch(`${ctx.sb.url}/api/v1/me`, { headers: { authorization: `Bearer ${bearer}` } });
  assert.equal(after.status, 401);

  // A reload keeps the list (server-rendered) and still hides the secret.
  await page.reload();
  await page.locator(`[data-testid=token][data-id="${key}"][data-state=revoked]`).waitFor();
  assert.equal(await page.getByTestId('token-created').count(), 0);
  await page.close();
});
