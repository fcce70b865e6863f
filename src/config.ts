// The only reader of process.env. Parsed once with zod, frozen, and handed to the composition root.
import { isIP } from 'node:net';
import { z } from 'zod';

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .default('sqlite:./data/weishishi.db')
    .refine((u) => /^(sqlite:|sqlite3:|better-sqlite3:|postgres:\/\/|postgresql:\/\/)/.test(u), {
      message: 'DATABASE_URL must start with sqlite:, sqlite3: or postgres://',
    }),
  SMTP_URL: z.string().url().optional(),
  MAIL_FROM: z.string().default('weishishi <no-reply@weishishi.local>'),
  SESSION_SECRET: z.string().min(32).optional(),
  DATA_DIR: z.string().default('./data'),
  UPLOAD_DIR: z.string().optional(),
  CLOCK: z.enum(['system', 'manual']).default('system'),
  DEMO: z.enum(['0', '1']).default('1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Absolute links (e-mails, the QR code on a printed notice, chat previews, OCDS): required in production.
  BASE_URL: z.string().url().refine((u) => /^https?:\/\//.test(u), { message: 'BASE_URL must be an http:// or https:// address' }).optional(),
  WORKER_POLL_MS: z.coerce.number().int().min(50).default(1000),
  OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  // days a sent e-mail keeps its text and HTML (0: for ever); its recipient, subject and times stay
  OUTBOX_KEEP_BODIES_DAYS: z.coerce.number().int().min(0).max(36_500).default(365),
  TRUST_PROXY: z.string().default('loopback'),
  UPLOAD_PENDING_QUOTA_MB: z.coerce.number().positive().max(1_000_000).default(200),
  UPLOAD_RATE_PER_HOUR: z.coerce.number().int().min(1).max(1_000_000).default(60),
  // the publisher's registered OCDS prefix (ocds- and six letters or digits); the default is a placeholder
  OCDS_PREFIX: z.string().trim().regex(/^ocds-[0-9a-z]{6}$/i, { message: 'OCDS_PREFIX must be ocds- followed by six letters or digits, e.g. ocds-xxxxxx' }).default('ocds-xxxxxx'),
});

/** The two SQLite drivers: better-sqlite3 (synchronous, the default) and sqlite3 (asynchronous). */
export type SqliteDriver = 'better-sqlite3' | 'sqlite3';

export type DatabaseConfig =
  | { client: 'sqlite'; driver: SqliteDriver; filename: string }
  | { client: 'pg'; connectionString: string; schema?: string; /** false: no prepared statements (`?prepare=0`, for a pooler in transaction mode) */ prepare?: false };

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  readonly database: DatabaseConfig;
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  readonly sessionSecret: string | undefined;
  readonly dataDir: string;
  readonly uploadDir: string;
  readonly clock: 'system' | 'manual';
  readonly demo: boolean;
  readonly logLevel: string;
  /** BASE_URL without a trailing slash (default http://localhost:PORT; required in production) */
  readonly baseUrl: string;
  readonly workerPollMs: number;
  readonly outboxMaxAttempts: number;
  /** days a sent e-mail keeps its text and HTML; 0 = for ever (src/engine/outbox.ts removeOldBodies) */
  readonly outboxKeepBodiesDays: number;
  /**
   * The proxies believed for the client's address (X-Forwarded-For) and for X-Request-Id: false
   * (none), a number of hops, or addresses, subnets and the names loopback, linklocal, uniquelocal.
   */
  readonly trustProxy: false | number | readonly string[];
  /** bytes of pending uploads (linked to no project yet) one user may hold */
  readonly uploadPendingQuotaBytes: number;
  /** files one user may upload per hour */
  readonly uploadRatePerHour: number;
  /** the ocid prefix of the OCDS releases (ocid = `${ocdsPrefix}-${project id}`) */
  readonly ocdsPrefix: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

// `sqlite:` and `better-sqlite3:` name the default driver; `sqlite3:` the asynchronous one, which
// waits for another process's write lock on libuv's thread pool instead of on the event loop.
const SQLITE_SCHEMES: Record<string, SqliteDriver> = { 'sqlite:': 'better-sqlite3', 'better-sqlite3:': 'better-sqlite3', 'sqlite3:': 'sqlite3' };

export function parseDatabaseUrl(url: string): DatabaseConfig {
  const scheme = Object.keys(SQLITE_SCHEMES).find((s) => url.startsWith(s));
  if (scheme) {
    const filename = url.slice(scheme.length).replace(/^\/\//, '');
    if (!filename) throw new ConfigError(`DATABASE_URL ${scheme} needs a file name, e.g. ${scheme}./data/weishishi.db`);
    return { client: 'sqlite', driver: SQLITE_SCHEMES[scheme]!, filename };
  }
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  const prepare = parsed.searchParams.get('prepare');
  if (prepare !== null && !['0', '1', 'false', 'true'].includes(prepare)) throw new ConfigError(`DATABASE_URL prepare=${prepare}: use prepare=0 or prepare=1`);
  parsed.searchParams.delete('schema');
  parsed.searchParams.delete('prepare');
  return { client: 'pg', connectionString: parsed.toString(), ...(schema ? { schema } : {}), ...(prepare === '0' || prepare === 'false' ? { prepare: false as const } : {}) };
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** TRUST_PROXY: `false`/`none`, a hop count, or a comma-separated list of addresses, subnets and names. */
export function parseTrustProxy(value: string): false | number | readonly string[] {
  const v = value.trim();
  if (v === '' || v === 'false' || v === 'none' || v === '0') return false;
  if (/^\d{1,2}$/.test(v)) return Number(v);
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) {
    const [addr, bits, extra] = item.split('/');
    const okAddr = PROXY_NAMES.has(item) || (isIP(addr ?? '') !== 0 && extra === undefined);
    const okBits = bits === undefined || PROXY_NAMES.has(item) || (/^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(addr ?? '') === 6 ? 128 : 32));
    if (!okAddr || !okBits) {
      throw new ConfigError(`TRUST_PROXY: "${item}" is not an address, a subnet, loopback, linklocal or uniquelocal (or use false, or a hop count)`);
    }
  }
  return Object.freeze(items);
}

/** Reads the environment once; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = EnvSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = result.data;
  if (e.NODE_ENV === 'production' && e.CLOCK === 'manual') {
    throw new ConfigError('CLOCK=manual is refused when NODE_ENV=production');
  }
  if (e.NODE_ENV === 'production' && !e.SESSION_SECRET) {
    throw new ConfigError('SESSION_SECRET (at least 32 characters) is required when NODE_ENV=production');
  }
  if (e.NODE_ENV === 'production' && !e.BASE_URL) {
    throw new ConfigError('BASE_URL (the address residents reach the site at, e.g. https://weishishi.example.gov.cn) is required when NODE_ENV=production: QR codes on printed notices, links in e-mails and chat previews use it');
  }
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    database: Object.freeze(parseDatabaseUrl(e.DATABASE_URL)),
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    sessionSecret: e.SESSION_SECRET,
    dataDir: e.DATA_DIR,
    uploadDir: e.UPLOAD_DIR ?? `${e.DATA_DIR}/uploads`,
    clock: e.CLOCK,
    demo: e.DEMO === '1',
    logLevel: e.LOG_LEVEL,
    baseUrl: (e.BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    workerPollMs: e.WORKER_POLL_MS,
    outboxMaxAttempts: e.OUTBOX_MAX_ATTEMPTS,
    outboxKeepBodiesDays: e.OUTBOX_KEEP_BODIES_DAYS,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    uploadPendingQuotaBytes: Math.floor(e.UPLOAD_PENDING_QUOTA_MB * 1024 * 1024),
    uploadRatePerHour: e.UPLOAD_RATE_PER_HOUR,
    ocdsPrefix: e.OCDS_PREFIX,
  });
}
