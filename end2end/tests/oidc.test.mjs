// OpenID Connect sign-in in the browser, through a real provider's pages
// (end2end/oidc/provider.mjs: oidc-provider with its development login and
// consent pages).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, useSwitchboard } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const CLIENT_ID = 'switchboard-e2e';
const SECRET = 'e2e-client-secret-7d2b';
let provider;

async function startProvider(redirectUri) {
  const port = await freePort();
  const proc = spawn(
    process.execPath,
    [join(here, '..', 'oidc', 'provider.mjs'), '--port', String(port), '--client-id', CLIENT_ID,
      '--client-secret', SECRET, '--redirect-uri', redirectUri],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const issuer = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout });
    lines.once('line', (line) => (line.startsWith('ready ') ? resolve(line.slice(6).trim()) : reject(new Error(line))));
    proc.once('exit', (code) => reject(new Error(`provider exited (${code})`)));
  });
  // Keep draining its output.
  proc.stdout.resume();
  return { issuer, stop: () => proc.kill('SIGTERM') };
}

const ctx = useSwitchboard(async () => {
  const port = await freePort();
  provider = await startProvider(`http://127.0.0.1:${port}/auth/oidc/callback`);
  return {
    port,
    env: { SB_E2E_OIDC_SECRET: SECRET },
    config: `
[oidc]
issuer_url = "${provider.issuer}"
display_name = "Test IdP"
client_id = "${CLIENT_ID}"
client_secret_env = "SB_E2E_OIDC_SECRET"
redirect_url = "http://127.0.0.1:${port}/auth/oidc/callback"
scopes = ["profile", "email", "groups"]
admin_groups = ["sb-admins"]
data_protection_groups = ["sb-privacy"]
`,
  };
});

after(() => provider?.stop());

test('sign in through the provider, land on the page asked for, sign out', async () => {
  const page = await ctx.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${ctx.sb.url}/signin?next=/clusters`);
  const button = page.getByTestId('oidc-sign-in');
  assert.equal((await button.textContent()).trim(), 'Sign in with Test IdP');
  await button.click();

  // The provider's own pages: login, then consent.
  await page.waitForURL((u) => u.href.startsWith(provider.issuer));
  await page.locator('input[name=login]').fill('alice');
  await page.locator('input[name=password]').fill('any password');
  await page.locator('button[type=submit]').click();
  await page.locator('button', { hasText: 'Continue' }).click();

  // Back in Switchboard, signed in, on the page asked for.
  await page.waitForURL(`${ctx.sb.url}/clusters`);
  const who = page.getByTestId('signed-in-as');
  await who.waitFor();
  assert.equal(await who.textContent(), 'alice');
  assert.equal(await page.locator('.account .badge', { hasText: 'admin' }).count(), 1);
  const cookies = await page.context().cookies(ctx.sb.url);
  const session = cookies.find((c) => c.name === 'sb_session');
  assert.ok(session, 'a session cookie');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Lax');

  // Sign out ends the session: the sign-in link is back.
  await page.locator('.account button', { hasText: 'Sign out' }).click();
  await page.getByTestId('sign-in').waitFor();
  const after = await page.context().cookies(ctx.sb.url);
  assert.equal(after.find((c) => c.name === 'sb_session'), undefined);
  assert.deepEqual(errors, []);
  await page.close();
});
