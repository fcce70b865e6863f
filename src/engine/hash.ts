// The tamper-evident chain: each history row hashes the canonical JSON of its content and the
// previous row's hash. Canonical = keys sorted (safe-stable-stringify), so the same row always
// hashes the same on SQLite and PostgreSQL.
import { createHash, randomBytes } from 'node:crypto';
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
  /** scheme 2 rows only (rowHashV2): the scheme, and the paths whose values the payload holds as digests */
  hashScheme?: number;
  digested?: string[];
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

// ---- Hash scheme 2: personal fields enter the hash as salted digests ----------------------------
//
// Scheme 1 (rows written before scheme 2, `hash_scheme` 1): the row hash covers the payload as
// stored, so a copy with a masked field cannot be checked. Scheme 2: each personal field (the
// workflow's `personalFields` hook, by event type) gets a random salt and a digest
// `sha256(salt ‖ "\n" ‖ canonical JSON of the value)`; the row hashes its payload with each such
// value replaced by its digest, plus `hashScheme: 2` and the sorted list of digested paths. A copy
// whose personal fields are masked, dropped or nulled, shipped with the digests (and without the
// salts), recomputes the same hash; one shipped with the salt proves its value.

export const HASH_SCHEME = 2;

/** A personal field's digest, and its salt where the reader may see the value. */
export interface FieldDigest {
  digest: string;
  salt?: string;
}

/** Digests by concrete path (`beneficiaryRef`, `signatories[0].name`). */
export type Digests = Record<string, FieldDigest>;

type Token = string | number;
const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/** `a.b[2].c` → ['a', 'b', 2, 'c']; undefined when it is not such a path. `[]` (any element) reads as -1. */
export function parsePath(path: string): Token[] | undefined {
  const tokens: Token[] = [];
  const re = /([^.[\]]+)|\[(\d*)\]/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < path.length) {
    if (tokens.length > 0 && path[pos] === '.') pos++;
    re.lastIndex = pos;
    m = re.exec(path);
    if (!m) return undefined;
    if (m[1] !== undefined) {
      if (FORBIDDEN_KEYS.has(m[1])) return undefined;
      tokens.push(m[1]);
    } else tokens.push(m[2] === '' ? -1 : Number(m[2]));
    pos = re.lastIndex;
  }
  return tokens.length > 0 ? tokens : undefined;
}

function formatPath(tokens: readonly Token[]): string {
  return tokens.map((t, i) => (typeof t === 'number' ? `[${t}]` : i === 0 ? t : `.${t}`)).join('');
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value at a concrete path (own properties only); undefined where there is none. */
export function getPath(value: unknown, path: string): unknown {
  const tokens = parsePath(path);
  if (!tokens || tokens.includes(-1)) return undefined;
  let cur: unknown = value;
  for (const t of tokens) {
    if (typeof t === 'number') {
      if (!Array.isArray(cur) || t >= cur.length) return undefined;
      cur = cur[t];
    } else {
      if (!isObject(cur) || !Object.hasOwn(cur, t)) return undefined;
      cur = cur[t];
    }
  }
  return cur;
}

/** Sets the value at a concrete path in place; false when its parent is not there. */
function setPath(target: unknown, tokens: readonly Token[], value: unknown): boolean {
  let cur: unknown = target;
  for (const [i, t] of tokens.entries()) {
    const last = i === tokens.length - 1;
    if (typeof t === 'number') {
      if (!Array.isArray(cur) || t < 0 || t >= cur.length) return false;
      if (last) cur[t] = value;
      else cur = cur[t];
    } else {
      if (!isObject(cur)) return false;
      if (last) Object.defineProperty(cur, t, { value, enumerable: true, writable: true, configurable: true });
      else if (!Object.hasOwn(cur, t)) return false;
      else cur = cur[t];
    }
  }
  return true;
}

/**
 * The concrete paths a workflow's patterns (`contact`, `signatories[].name`) name in a payload:
 * only those holding a value (not null, not undefined).
 */
export function personalPaths(payload: unknown, patterns: readonly string[]): string[] {
  const out = new Set<string>();
  const walk = (cur: unknown, rest: readonly Token[], at: Token[]) => {
    if (rest.length === 0) {
      if (cur !== null && cur !== undefined) out.add(formatPath(at));
      return;
    }
    const [t, ...more] = rest;
    if (t === -1) {
      if (Array.isArray(cur)) cur.forEach((el, i) => walk(el, more, [...at, i]));
    } else if (typeof t === 'number') {
      if (Array.isArray(cur) && t < cur.length) walk(cur[t], more, [...at, t]);
    } else if (isObject(cur) && Object.hasOwn(cur, t!)) walk(cur[t!], more, [...at, t!]);
  };
  for (const p of patterns) {
    const tokens = parsePath(p);
    if (!tokens) throw new TypeError(`not a field path: ${p}`);
    walk(payload, tokens, []);
  }
  return [...out].sort();
}

/** A personal field's digest: sha256 of the salt, a newline and the canonical JSON of the value. */
export function fieldDigest(salt: string, value: unknown): string {
  return createHash('sha256').update(salt).update('\n').update(canonicalJson(value)).digest('hex');
}

/** Salts and digests for the personal fields of a new row (scheme 2). */
export function digestFields(payload: unknown, patterns: readonly string[], newSalt = () => randomBytes(16).toString('hex')): Record<string, Required<FieldDigest>> {
  const out: Record<string, Required<FieldDigest>> = {};
  for (const path of personalPaths(payload, patterns)) {
    const salt = newSalt();
    out[path] = { salt, digest: fieldDigest(salt, getPath(payload, path)) };
  }
  return out;
}

/**
 * The payload a scheme 2 row hashes: each digested path holds its digest instead of the value.
 * Undefined when a path cannot be placed (its parent is missing from the payload).
 */
export function digestedPayload(payload: unknown, digests: Readonly<Record<string, string>>): unknown {
  // nothing to replace: the payload hashes as it is (canonical JSON of a canonical copy is the same text)
  if (Object.keys(digests).length === 0) return payload;
  const copy: unknown = payload === undefined ? undefined : JSON.parse(canonicalJson(payload));
  for (const [path, digest] of Object.entries(digests)) {
    const tokens = parsePath(path);
    if (!tokens || tokens.includes(-1) || !setPath(copy, tokens, digest)) return undefined;
  }
  return copy;
}

/**
 * A scheme 2 row's hash: the row with its payload digested (`digestedPayload`), the scheme and the
 * sorted digested paths. Undefined when the digests do not fit the payload.
 */
export function rowHashV2(prevHash: string, row: HashedRow, digests: Readonly<Record<string, string>>): string | undefined {
  const payload = digestedPayload(row.payload, digests);
  if (payload === undefined) return undefined;
  return rowHash(prevHash, { ...row, payload, hashScheme: HASH_SCHEME, digested: Object.keys(digests).sort() });
}
