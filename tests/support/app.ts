// A whole application on a real database, with the sandbox clock, the demo district seeded and
// helpers to sign in as any demo user through the JSON API.
import supertest from 'supertest';
import type { Transporter } from 'nodemailer';
import { createApp, type AppOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createDeps, type Deps } from '../../src/deps.js';
import { ManualClock } from '../../src/lib/clock.js';
import { createLogger, type Logger } from '../../src/lib/logger.js';
import { createTestDb, type StorageKind, type TestDb } from './db.js';

export const DEMO_PASSWORD = 'weishishi-demo';
// Monday 2026-03-02 09:00 in Shanghai: a working day, clear of the Spring Festival.
export const T0 = '2026-03-02T01:00:00.000Z';

export interface TestApp {
  t: TestDb;
  deps: Deps;
  clock: ManualClock;
  app: ReturnType<typeof createApp>;
  http: ReturnType<typeof supertest>;
  token(email: string): Promise<string>;
  close(): Promise<void>;
}

export async function createTestApp(opts: { kind?: StorageKind; start?: string; transport?: Transporter; app?: AppOptions; env?: Record<string, string>; seed?: boolean; logger?: Logger } = {}): Promise<TestApp> {
  const t = await createTestDb(opts.kind ?? 'better-sqlite3');
  const config = loadConfig({ NODE_ENV: 'test', CLOCK: 'manual', LOG_LEVEL: 'silent', DATA_DIR: '/tmp/wss-test-data', ...opts.env });
  const clock = new ManualClock(opts.start ?? T0);
  const deps = await createDeps(config, { db: t.db, clock, logger: opts.logger ?? createLogger('silent'), ...(opts.transport ? { transport: opts.transport } : {}) });
  if (opts.seed !== false) await deps.services.seedDemo();
  const app = createApp(deps, { loginLimits: { perAccount: 1000, perAddress: 1000, windowMs: 60_000 }, ...opts.app });
  const http = supertest(app);
  const tokens = new Map<string, string>();
  return {
    t, deps, clock, app, http,
    async token(email: string) {
      const cached = tokens.get(email);
      if (cached) return cached;
      const res = await http.post('/api/v1/auth/token').send({ email, password: DEMO_PASSWORD });
      if (res.status !== 200) throw new Error(`log-in as ${email} failed: ${res.status} ${JSON.stringify(res.body)}`);
      tokens.set(email, res.body.token);
      return res.body.token as string;
    },
    async close() {
      await deps.close();
      await t.cleanup();
    },
  };
}
