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
  /** the workflow version that wrote the row: hashed from version 2 on (see versionField) */
  workflowVersion?: number;
}

/**
 * What a row hashes of the workflow version that wrote it: nothing for version 1 (rows hash as they
 * did before versions were recorded), the version itself from version 2 on, so that a row cannot be
 * moved to another version's rules without breaking the chain.
 */
export function versionField(version: number | null | undefined): { workflowVersion?: number } {
  return version === null || version === undefined || version === 1 ? {} : { workflowVersion: version };
}

export function rowHash(prevHash: string, row: HashedRow): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(row)).digest('hex');
}

/**
 * The hash an idempotency key is bound to: the event type and its validated payload, as canonical
 * JSON. Two requests under one key are the same request only when this is equal.
 */
export function bodyHash(type: string, payload: unknown): string {
  return createHash('sha256').update(canonicalJson({ type, payload })).digest('hex');
}
