// Security headers in the browser: every main page loads and hydrates under
// the Content-Security-Policy without a single violation (the inline
// hydration and streaming scripts carry the response's nonce), signed out and
// signed in; and no page of another site can frame Switchboard.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useSwitchboard } from './harness.mjs';

const ctx = useSwitchboard();

const PAGES = [
  '/',
  '/clusters',
  '/signin',
  '/events/fieldservice.job.assigned',
  '/requests',
  '/requests/new-event',
  '/approvals',
  '/applications',
  '/notifications',
  '/admin',
  '/admin/audit',
  '/no-such-page',
];

// Records violations as the page reports them, from before its first script.
async function watchedPage(browserContext) {
  const page = await browserContext.newPage();
  const violations = [];
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  // Chromium also logs each refusal to the console.
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  page.on('pageerror', (e) => violations.push(`page error: ${e}`));
  return { page, violations };
}

async function visitAll(page, violations) {
  for (const path of PAGES) {
    const response = await page.goto(ctx.sb.url + path);
    const csp = response.headers()['content-security-policy'] ?? '';
    assert.match(csp, /script-src [^;]*'nonce-/, `${path}: ${csp}`);
    assert.doesNotMatch(csp, /script-src [^;]*'unsafe-inline'/, `${path}: ${csp}`);
    // Hydration ran: the WASM module and the inline scripts were allowed.
    await page.waitForSelector('body[data-hydrated]', { timeout: 30000 });
    // Late reports (streamed chunks) arrive as events; give them a moment.
    await page.waitForTimeout(200);
    const reported = await page.evaluate(() => window.__cspViolations);
    assert.deepEqual([...violations, ...reported], [], `${path}: violations reported`);
  }
}

test('no page reports a Content-Security-Policy violation, signed out', async () => {
  const browserContext = await ctx.browser.newContext();
  const { page, violations } = await watchedPage(browserContext);
  await visitAll(page, violations);
  await browserContext.close();
});

test('no page reports a Content-Security-Policy violation, signed in as an admin', async () => {
  const browserContext = await ctx.browser.newContext();
  const { page, violations } = await watchedPage(browserContext);
  await page.goto(`${ctx.sb.url}/signin`);
  await page.waitForSelector('body[data-hydrated]');
  await page.locator('button[data-user="platform.admin"]').click();
  await page.getByTestId('signed-in-as').waitFor();
  await visitAll(page, violations);
  await browserContext.close();
});

test('another site cannot frame Switchboard', async () => {
  const browserContext = await ctx.browser.newContext();
  const page = await browserContext.newPage();
  const response = await page.goto(`${ctx.sb.url}/`);
  const headers = response.headers();
  assert.match(headers['content-security-policy'], /frame-ancestors 'none'/);
  assert.equal(headers['x-content-type-options'], 'nosniff');
  assert.equal(headers['referrer-policy'], 'same-origin');
  // A page of another origin (about:blank counts as none) embeds it: the frame stays empty.
  await page.setContent(`<iframe id="f" src="${ctx.sb.url}/"></iframe>`);
  await page.waitForTimeout(1000);
  const frame = page.frames().find((f) => f !== page.mainFrame());
  const framed = frame ? await frame.evaluate(() => document.body?.innerHTML ?? '').catch(() => '') : '';
  assert.doesNotMatch(framed, /Switchboard/, 'the framed page rendered');
  await browserContext.close();
});
