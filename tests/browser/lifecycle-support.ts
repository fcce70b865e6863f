// Runs the whole application on a local port for a browser test, and launches Debian's chromium
// through playwright-core. (The shared tests/browser/support.ts may replace this later.)
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { createTestApp, type TestApp } from '../support/app.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Skip only on a developer machine without chromium; CI must have it. */
export const browserAvailable = fs.existsSync(CHROMIUM) || Boolean(process.env.CI);

export async function startApp(env: Record<string, string> = {}): Promise<{ app: TestApp; baseUrl: string; stop(): Promise<void> }> {
  const app = await createTestApp({ env });
  const server = http.createServer(app.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
    },
  };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
