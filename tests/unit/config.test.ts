import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDatabaseUrl } from '../../src/config.js';
import { scryptN } from '../../src/auth/passwords.js';

describe('configuration', () => {
  it('when nothing is set, then it runs on the embedded SQLite file with the system clock and demo data', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.database).toEqual({ client: 'sqlite', driver: 'better-sqlite3', filename: './data/weishishi.db' });
    expect(c.clock).toBe('system');
    expect(c.demo).toBe(true);
    expect(c.smtpUrl).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads the SQLite driver from the scheme: sqlite: and better-sqlite3: take the default, sqlite3: the asynchronous driver', () => {
    expect(parseDatabaseUrl('sqlite:./a.db')).toEqual({ client: 'sqlite', driver: 'better-sqlite3', filename: './a.db' });
    expect(parseDatabaseUrl('better-sqlite3:/tmp/b.db')).toEqual({ client: 'sqlite', driver: 'better-sqlite3', filename: '/tmp/b.db' });
    expect(parseDatabaseUrl('sqlite3:./data/weishishi.db')).toEqual({ client: 'sqlite', driver: 'sqlite3', filename: './data/weishishi.db' });
    expect(loadConfig({ DATABASE_URL: 'sqlite3:./x.db' }).database).toEqual({ client: 'sqlite', driver: 'sqlite3', filename: './x.db' });
    expect(() => parseDatabaseUrl('sqlite3:')).toThrow(/sqlite3: needs a file name/);
  });

  it('reads a PostgreSQL URL with an optional schema', () => {
    expect(parseDatabaseUrl('postgres://postgres@127.0.0.1:5432/test?schema=w1')).toEqual({
      client: 'pg', connectionString: 'postgres://postgres@127.0.0.1:5432/test', schema: 'w1',
    });
  });

  it('when a variable is wrong, then it fails fast naming it', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ SMTP_URL: 'not a url' })).toThrow(ConfigError);
  });

  it('when production asks for the sandbox clock or has no session secret, then it refuses to start', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', CLOCK: 'manual', SESSION_SECRET: 'x'.repeat(40) })).toThrow(/CLOCK=manual/);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SESSION_SECRET/);
    expect(() => loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40) })).toThrow(/BASE_URL .*required when NODE_ENV=production/);
    expect(loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), BASE_URL: 'https://wss.example.gov.cn/' })).toMatchObject({ env: 'production', baseUrl: 'https://wss.example.gov.cn' });
    expect(loadConfig({ NODE_ENV: 'test', PORT: '3100' }).baseUrl).toBe('http://localhost:3100');
  });
});

describe('SCRYPT_N', () => {
  it('when unset it is 2^15; a power of two from 1024 up is taken; anything else stops the process with a ConfigError', () => {
    expect(scryptN(undefined)).toBe(32768);
    expect(scryptN('')).toBe(32768);
    expect(scryptN('1024')).toBe(1024);
    expect(scryptN('65536')).toBe(65536);
    for (const bad of ['512', '1000', '3000', 'many', String(2 ** 21)]) expect(() => scryptN(bad)).toThrow(ConfigError);
  });
});
