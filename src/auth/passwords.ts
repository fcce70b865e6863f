// scrypt password hashes in a self-describing string: scrypt$N$r$p$salt$hash (base64url).
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { ConfigError } from '../config.js';

const scrypt = (password: string, salt: Buffer, keylen: number, opts: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));

// N=2^15, r=8, p=1: about 50 ms and 32 MiB a hash on this hardware; raise N as machines grow
// (SCRYPT_N, a power of two from 2^10). A stored hash names its own parameters, so changing N
// applies to passwords set from then on and every stored hash still verifies. The test suite runs
// with SCRYPT_N=1024 (vitest.config.ts): its hundreds of sign-ins took minutes of CPU at 2^15.
export function scryptN(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 2 ** 15;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1024 || n > 2 ** 20 || (n & (n - 1)) !== 0) throw new ConfigError(`SCRYPT_N=${raw}: a power of two from 1024 to 1048576`);
  return n;
}
export const DEFAULT_SCRYPT = { N: scryptN(process.env.SCRYPT_N), r: 8, p: 1 };
const KEYLEN = 32;

export async function hashPassword(password: string, params = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize('NFKC'), salt, KEYLEN, { ...params, maxmem: 256 * params.N * params.r });
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(password.normalize('NFKC'), Buffer.from(salt, 'base64url'), expected.length, { ...params, maxmem: 256 * params.N * params.r });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash of a random password: lets log-in spend the same time for unknown e-mail addresses. */
export const DUMMY_HASH_PROMISE = hashPassword(randomBytes(12).toString("hex"));
