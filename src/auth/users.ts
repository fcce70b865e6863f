// Users, their scope, and API tokens. The only file that reads the users and api_tokens tables.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ConflictError, InvalidError, NotFoundError, UnauthenticatedError, parseOr422 } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Db, Queryable } from '../lib/db.js';
import type { Actor } from '../engine/types.js';
import { DUMMY_HASH_PROMISE, hashPassword, verifyPassword } from './passwords.js';
import { line } from '../../workflows/shared/text.js';

// operator (话务员): makes the care calls of the campaigns it is assigned to (src/campaigns)
export const ROLES = ['community', 'street', 'district', 'finance', 'vendor', 'admin', 'operator'] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  districtId: string | null;
  streetId: string | null;
  communityId: string | null;
  vendorId: string | null;
  lang: 'zh-CN' | 'en';
  disabled: boolean;
}

export const TOKEN_TTL_MS = 30 * 86_400_000;

function toUser(r: Record<string, unknown>): User {
  return {
    id: r.id as string,
    email: r.email as string,
    name: r.name as string,
    role: r.role as Role,
    districtId: (r.district_id as string | null) ?? null,
    streetId: (r.street_id as string | null) ?? null,
    communityId: (r.community_id as string | null) ?? null,
    vendorId: (r.vendor_id as string | null) ?? null,
    lang: r.lang === 'en' ? 'en' : 'zh-CN',
    disabled: Boolean(r.disabled),
  };
}

/** The engine's view of a user: id, role and scope. */
export function toActor(u: User): Actor {
  return {
    id: u.id,
    role: u.role,
    ...(u.districtId ? { districtId: u.districtId } : {}),
    ...(u.streetId ? { streetId: u.streetId } : {}),
    ...(u.communityId ? { communityId: u.communityId } : {}),
    ...(u.vendorId ? { vendorId: u.vendorId } : {}),
  };
}

export const NewUserSchema = z
  .object({
    email: z.string().trim().toLowerCase().email('validation.email'),
    name: line(100, 'validation.required'),
    role: z.enum(ROLES, { error: 'validation.role' }),
    password: z.string().min(10, 'validation.passwordLength').max(200),
    districtId: z.string().optional(),
    streetId: z.string().optional(),
    communityId: z.string().optional(),
    vendorId: z.string().optional(),
    lang: z.enum(['zh-CN', 'en']).default('zh-CN'),
  })
  .superRefine((u, ctx) => {
    // Scope follows role: a community user needs a community, a vendor user a vendor, …
    const need: Partial<Record<Role, keyof typeof u>> = { community: 'communityId', street: 'streetId', vendor: 'vendorId' };
    const field = need[u.role];
    if (field && !u[field]) ctx.addIssue({ code: 'custom', path: [field], message: 'validation.required' });
  });
export type NewUser = z.input<typeof NewUserSchema>;

/** The names of these users, by id, in one read (a removed user is absent: the history keeps the id). */
export async function userNames(q: Queryable, ids: Iterable<string>): Promise<Map<string, string>> {
  const list = [...new Set(ids)];
  if (list.length === 0) return new Map();
  return new Map(((await q('users').whereIn('id', list).select('id', 'name')) as Array<{ id: string; name: string }>).map((r) => [r.id, r.name]));
}

export function createUserService(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;

  async function findByEmail(q: Queryable, email: string) {
    return q('users').whereRaw('lower(email) = ?', [email.trim().toLowerCase()]).first();
  }

  async function get(id: string): Promise<User> {
    const r = await db('users').where({ id }).first();
    if (!r) throw new NotFoundError('user not found');
    return toUser(r);
  }

  const names = (ids: Iterable<string>) => userNames(db, ids);

  /** Checks an e-mail and password; the same time is spent whether or not the user exists. */
  async function authenticate(email: string, password: string): Promise<User> {
    const r = await findByEmail(db, String(email ?? ''));
    const ok = await verifyPassword(String(password ?? ''), r?.password_hash ?? (await DUMMY_HASH_PROMISE));
    if (!r || !ok || r.disabled) throw new UnauthenticatedError('wrong e-mail or password');
    return toUser(r);
  }

  /**
   * `opts.passwordHash`: the input password's hash, computed once by the caller for many users of
   * the same password (the demo's log-ins share its published password: src/demo/seed.ts).
   */
  async function create(input: NewUser, q: Queryable = db, opts: { passwordHash?: string } = {}): Promise<User> {
    const u = parseOr422(NewUserSchema, input, 'invalid user');
    if (await findByEmail(q, u.email)) throw new ConflictError('e-mail already in use', { fields: { email: 'validation.emailTaken' } });
    const id = randomUUID();
    let districtId = u.districtId ?? null;
    let streetId = u.streetId ?? null;
    // A community user's street and district follow from the community.
    if (u.communityId) {
      const c = await q('communities').join('streets', 'streets.id', 'communities.street_id').where('communities.id', u.communityId).first('streets.id as street_id', 'streets.district_id');
      if (!c) throw new InvalidError('unknown community', { fields: { communityId: 'validation.invalid' } });
      streetId = c.street_id;
      districtId = c.district_id;
    } else if (u.streetId) {
      const s = await q('streets').where({ id: u.streetId }).first();
      if (!s) throw new InvalidError('unknown street', { fields: { streetId: 'validation.invalid' } });
      districtId = s.district_id;
    }
    await q('users').insert({
      id, email: u.email, name: u.name, role: u.role, district_id: districtId, street_id: streetId,
      community_id: u.communityId ?? null, vendor_id: u.vendorId ?? null, password_hash: opts.passwordHash ?? (await hashPassword(u.password)),
      lang: u.lang, disabled: false, created_at: clock.now().toISOString(),
    });
    // Read through q: on SQLite a query on db while q's transaction holds the one connection would wait forever.
    return toUser((await q('users').where({ id }).first()) as Record<string, unknown>);
  }

  async function setPassword(id: string, password: string): Promise<void> {
    if (typeof password !== 'string' || password.length < 10) throw new InvalidError('password too short', { fields: { password: 'validation.passwordLength' } });
    const n = await db('users').where({ id }).update({ password_hash: await hashPassword(password) });
    if (!n) throw new NotFoundError('user not found');
    await db('api_tokens').where({ user_id: id }).delete();
  }

  async function update(id: string, patch: Partial<Pick<User, 'name' | 'role' | 'disabled' | 'lang' | 'communityId' | 'streetId' | 'vendorId'>>): Promise<User> {
    // a renamed user's name passes the checks of a new one (one line, no control characters)
    const name = patch.name === undefined ? undefined : parseOr422(z.object({ name: NewUserSchema.shape.name }), { name: patch.name }).name;
    const n = await db('users').where({ id }).update({
      ...(name !== undefined ? { name } : {}),
      ...(patch.role !== undefined ? { role: patch.role } : {}),
      ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}),
      ...(patch.lang !== undefined ? { lang: patch.lang } : {}),
      ...(patch.communityId !== undefined ? { community_id: patch.communityId } : {}),
      ...(patch.streetId !== undefined ? { street_id: patch.streetId } : {}),
      ...(patch.vendorId !== undefined ? { vendor_id: patch.vendorId } : {}),
    });
    if (!n) throw new NotFoundError('user not found');
    if (patch.disabled) await db('api_tokens').where({ user_id: id }).delete();
    return get(id);
  }

  async function list(): Promise<User[]> {
    return (await db('users').orderBy(['role', 'email'])).map(toUser);
  }

  // Tokens expire on wall time, never on the sandbox clock.
  async function issueToken(user: User): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    await db('api_tokens').insert({
      token_hash: createHash('sha256').update(token).digest('hex'),
      user_id: user.id,
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + TOKEN_TTL_MS).toISOString(),
    });
    return token;
  }

  async function userForToken(token: string): Promise<User> {
    const row = await db('api_tokens')
      .join('users', 'users.id', 'api_tokens.user_id')
      .where('api_tokens.token_hash', createHash('sha256').update(token).digest('hex'))
      .andWhere('api_tokens.expires_at', '>', new Date().toISOString())
      .first('users.*');
    if (!row || row.disabled) throw new UnauthenticatedError('invalid or expired token');
    return toUser(row);
  }

  return { get, names, authenticate, create, setPassword, update, list, issueToken, userForToken, findByEmail: (e: string) => findByEmail(db, e).then((r) => (r ? toUser(r) : undefined)) };
}

export type UserService = ReturnType<typeof createUserService>;
