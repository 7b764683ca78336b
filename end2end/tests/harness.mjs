// Starts a real Switchboard (SQLite, demo mesh of real brokers) and Debian's Chromium.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

async function portFree(port) {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// `length` consecutive free ports, none of them in `avoid` (ports already
// promised to something that is not listening yet).
async function freeRun(length, avoid = []) {
  for (;;) {
    const base = await freePort();
    if (base + length >= 65535) continue;
    if (avoid.some((p) => p >= base && p < base + length)) continue;
    let ok = true;
    for (let i = 1; i < length; i++) ok = ok && (await portFree(base + i));
    if (ok) return base;
  }
}

async function waitFor(check, what, ms = 60000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
}

// Options (all optional): `port` to listen on (a free one otherwise),
// `config` TOML text passed as the configuration file, `env` extra
// environment variables (e.g. the secret that `config` names).
export async function startSwitchboard({ port: wanted, config, env: extraEnv } = {}) {
  const bin = process.env.SWITCHBOARD_BIN;
  const root = process.env.SWITCHBOARD_ROOT;
  if (!bin || !root) throw new Error('SWITCHBOARD_BIN and SWITCHBOARD_ROOT must be set (scripts/test.sh does)');
  const port = wanted ?? (await freePort());
  // The listen port is bound first, then the demo brokers: keep them apart.
  const demoBase = await freeRun(3, [port]);
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-e2e-'));
  const env = { ...process.env, ...extraEnv };
  delete env.DATABASE_URL;
  const args = ['serve', '--demo', '--demo-base-port', String(demoBase), '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir];
  if (config) {
    const file = join(dataDir, 'switchboard.toml');
    writeFileSync(file, config);
    args.push('--config', file);
  }
  const proc = spawn(bin, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/readyz`)).ok, 'readiness');
  await waitFor(async () => {
    const clusters = await (await fetch(`${url}/api/v1/clusters`)).json();
    return clusters.length === 3 && clusters.every((c) => c.status.state === 'reachable');
  }, 'three reachable demo clusters');
  return {
    url,
    async stop() {
      proc.kill('SIGTERM');
      return exited;
    },
  };
}

export { freePort, waitFor };

export async function startBrowser() {
  // Playwright gives each launch a fresh, empty profile of its own.
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

// Registers hooks that start Switchboard and Chromium before a file's tests and
// stop both after them, checking that Switchboard stops cleanly on SIGTERM.
// `options` go to startSwitchboard; a function is called first (it may
// start other servers) and returns them.
export function useSwitchboard(options) {
  const ctx = {};
  before(async () => {
    ctx.sb = await startSwitchboard(typeof options === 'function' ? await options(ctx) : options);
    ctx.browser = await startBrowser();
  });
  after(async () => {
    await ctx.browser?.close();
    if (ctx.sb) {
      const { code, signal } = await ctx.sb.stop();
      assert.equal(code, 0, `switchboard should stop cleanly on SIGTERM (signal ${signal})`);
    }
  });
  return ctx;
}
