// The tamper-evident chain: each history row hashes the canonical JSON of its content and the
// previous row's hash. Canonical = keys sorted (safe-stable-stringify), so the same row always
// hashes the same on SQLite and PostgreSQL.
import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';

export const GENESIS_HASH = '0'.repeat(64);

export function canonicalJson(value: unknown): string {
  const s = stringify(value);
  if (s === undefined) throw new TypeError('value cannot be serialised');
  return s;
}

export interface HashedRow {
  instanceId: string;
  seq: number;
  type: string;
  payload: unknown;
  actor: unknown;
  from: string | null;
  to: string;
  at: string;
}

export function rowHash(prevHash: string, row: HashedRow): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(row)).digest('hex');
}
