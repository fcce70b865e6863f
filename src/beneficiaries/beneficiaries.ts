// The beneficiary register (受益人). Personal data is shown unmasked only to community staff of the
// beneficiary's own community, and every such read is logged; everyone else gets masks. Nothing
// here is ever logged, exported or put on a public page.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ConflictError, ForbiddenError, InvalidError, NotFoundError, parseOr422 } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Db, Queryable } from '../lib/db.js';
import type { User } from '../auth/users.js';
import { createReferenceService } from '../reference/reference.js';
import { maskAddress, maskIdNumber, maskName, maskPhone } from './mask.js';

// 18-digit resident ID: 17 digits and a check character (digit or X), GB 11643-1999.
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';
export function isValidIdNumber(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const sum = ID_WEIGHTS.reduce((s, w, i) => s + w * Number(id[i]), 0);
  return ID_CHECK[sum % 11] === id[17];
}

/** The form an ID number is compared in: no spaces, check character X in upper case. */
export function normalIdNumber(id: string): string {
  return id.replace(/\s+/g, '').toUpperCase();
}
/** SQL for the stored ID number in its normal form (stored numbers may predate normalising). */
const NORMAL_ID_SQL = "upper(replace(replace(id_number, ' ', ''), '\t', ''))";

/** How a resident lives (居住情况); `alone` is also the care flag "lives alone" the care-call lists select by. */
export const LIVING_SITUATIONS = ['alone', 'spouse', 'family', 'carer', 'institution'] as const;
export type LivingSituation = (typeof LIVING_SITUATIONS)[number];

const blankToUndefined = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema);

/** What community staff record besides identity: everything but the ID number, which never changes. */
const DetailsSchema = z.object({
  name: z.string().trim().min(1, 'validation.required').max(100),
  phone: z.string().trim().regex(/^[0-9+\- ]{7,20}$/, 'validation.phone').optional().or(z.literal('').transform(() => undefined)),
  address: z.string().trim().min(1, 'validation.required').max(300),
  disabilityType: z.string().trim().max(40).optional(),
  disabilityLevel: z.string().trim().max(16).optional(),
  householdSize: blankToUndefined(z.coerce.number({ error: 'validation.invalid' }).int('validation.invalid').min(1, 'validation.too_small').max(30, 'validation.too_big').optional()),
  groupCode: blankToUndefined(z.string().trim().max(16).optional()),
  livingSituation: blankToUndefined(z.enum(LIVING_SITUATIONS, { error: 'validation.invalid' }).optional()),
  needsDailyContact: z.boolean({ error: 'validation.invalid' }).optional(),
});

export const BeneficiarySchema = DetailsSchema.extend({
  idNumber: z.string().transform(normalIdNumber).refine(isValidIdNumber, 'validation.idNumber'),
});
type BeneficiaryInput = z.infer<typeof BeneficiarySchema>;
type DetailsInput = z.infer<typeof DetailsSchema>;

/** A register page's filters: a care flag, a group, a name (community staff only: others see masks). */
export const RegisterFilterSchema = z.object({
  flag: z.enum(['alone', 'daily']).optional(),
  group: z.string().trim().max(16).optional(),
  q: z.string().trim().max(50).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});
export type RegisterFilter = z.input<typeof RegisterFilterSchema>;

/** One refused row of an import: its row number in the sheet, the field and the message key. */
export interface ImportRowError {
  row: number;
  field: string;
  key: string;
}

export interface BeneficiaryView {
  id: string;
  communityId: string;
  name: string;
  idNumber: string;
  phone: string | null;
  address: string;
  disabilityType: string | null;
  disabilityLevel: string | null;
  householdSize: number | null;
  groupCode: string | null;
  livingSituation: LivingSituation | null;
  livesAlone: boolean;
  needsDailyContact: boolean;
  createdAt: string;
  updatedAt: string | null;
  masked: boolean;
}

export interface RegisterPage {
  communityId: string;
  rows: BeneficiaryView[];
  total: number;
  page: number;
  pageSize: number;
  unmasked: boolean;
}

/** An import takes a district's list for one community at a time: a few thousand rows at most. */
export const IMPORT_MAX_ROWS = 5000;

export function mayReadUnmasked(user: Pick<User, 'role' | 'communityId'>, communityId: string): boolean {
  return user.role === 'community' && user.communityId === communityId;
}

export function createBeneficiaryService(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;

  function view(r: Record<string, unknown>, unmasked: boolean): BeneficiaryView {
    const b = {
      id: r.id as string, communityId: r.community_id as string, name: r.name as string, idNumber: r.id_number as string,
      phone: (r.phone as string | null) ?? null, address: r.address as string, disabilityType: (r.disability_type as string | null) ?? null,
      disabilityLevel: (r.disability_level as string | null) ?? null, householdSize: r.household_size == null ? null : Number(r.household_size),
      groupCode: (r.group_code as string | null) ?? null, livingSituation: (r.living_situation as LivingSituation | null) ?? null,
      livesAlone: Boolean(r.lives_alone), needsDailyContact: Boolean(r.needs_daily_contact),
      createdAt: r.created_at as string, updatedAt: (r.updated_at as string | null) ?? null,
    };
    if (unmasked) return { ...b, masked: false };
    // Disability details and how a person lives are personal: withheld entirely from other roles
    // (the care flags stay: a street plans care calls by how many need them, not by who).
    return { ...b, name: maskName(b.name), idNumber: maskIdNumber(b.idNumber), phone: maskPhone(b.phone), address: maskAddress(b.address), disabilityType: null, disabilityLevel: null, livingSituation: null, masked: true };
  }

  async function logAccess(q: Queryable, ids: string[], user: User, purpose: string) {
    if (ids.length === 0) return;
    const at = new Date().toISOString(); // access logs are wall time, never the sandbox clock
    await q('beneficiary_access_log').insert(ids.map((id) => ({ beneficiary_id: id, user_id: user.id, purpose, at })));
  }

  /** The columns a resident's details are stored in (the ID number is written once, by register). */
  function detailColumns(b: DetailsInput) {
    return {
      name: b.name, phone: b.phone ?? null, address: b.address, disability_type: b.disabilityType || null, disability_level: b.disabilityLevel || null,
      household_size: b.householdSize ?? null, group_code: b.groupCode ?? null, living_situation: b.livingSituation ?? null,
      lives_alone: b.livingSituation === 'alone', needs_daily_contact: b.needsDailyContact ?? false,
    };
  }

  async function checkGroup(q: Queryable, code: string | undefined): Promise<void> {
    if (code !== undefined && !(await q('beneficiary_groups').where({ code }).first('code'))) {
      throw new InvalidError('unknown group', { fields: { groupCode: 'validation.unknownGroup' } });
    }
  }

  function ownCommunity(user: User): string {
    if (user.role !== 'community' || !user.communityId) throw new ForbiddenError('only community staff keep the register', { reasons: [{ code: 'WRONG_ROLE' }] });
    return user.communityId;
  }

  async function register(user: User, input: unknown, q: Queryable = db, id = randomUUID()): Promise<BeneficiaryView> {
    ownCommunity(user);
    const b = parseOr422(BeneficiarySchema, input, 'invalid beneficiary');
    await checkGroup(q, b.groupCode);
    return insertOne(user, b, q, id);
  }

  async function insertOne(user: User, b: BeneficiaryInput, q: Queryable, id: string): Promise<BeneficiaryView> {
    // One person, one registration in the whole deployment, held by the registry's primary key
    // (beneficiary_id_numbers), so two concurrent registrations cannot both pass. The beneficiary
    // and its registry row are written together (a savepoint inside a caller's transaction): a
    // number already held leaves nothing behind. The answer does not say which community holds
    // the number (that would disclose where a person is registered).
    return q.transaction(async (trx) => {
      await trx('beneficiaries').insert({
        id, community_id: user.communityId, id_number: b.idNumber, ...detailColumns(b), created_by: user.id, created_at: clock.now().toISOString(),
      });
      // ON CONFLICT DO NOTHING rather than catching the driver's unique-violation error: no error
      // codes that differ by driver, and a PostgreSQL transaction is not left aborted. On PostgreSQL
      // the insert waits for a concurrent, uncommitted holder of the key and then skips; the read
      // after it (a new statement) sees who holds the number.
      await trx('beneficiary_id_numbers').insert({ id_number_key: b.idNumber, beneficiary_id: id }).onConflict('id_number_key').ignore();
      const holder = await trx('beneficiary_id_numbers').where({ id_number_key: b.idNumber }).first('beneficiary_id');
      if (holder?.beneficiary_id !== id) {
        throw new ConflictError('ID number already registered', { fields: { idNumber: 'validation.idNumberTaken' } });
      }
      return view((await trx('beneficiaries').where({ id }).first())!, true);
    });
  }

  /**
   * Community staff correct a resident's details (their own community's only). The ID number is
   * the registration itself and never changes: a form that sends another one is refused.
   */
  async function update(user: User, id: string, input: unknown): Promise<BeneficiaryView> {
    const communityId = ownCommunity(user);
    const raw = (input ?? {}) as Record<string, unknown>;
    const b = parseOr422(DetailsSchema, input, 'invalid beneficiary');
    return db.transaction(async (trx) => {
      const r = await trx('beneficiaries').where({ id }).first();
      if (!r) throw new NotFoundError('beneficiary not found');
      if (r.community_id !== communityId) throw new ForbiddenError('outside your scope', { reasons: [{ code: 'OUT_OF_SCOPE' }] });
      if (typeof raw.idNumber === 'string' && raw.idNumber.trim() !== '' && normalIdNumber(raw.idNumber) !== normalIdNumber(String(r.id_number))) {
        throw new InvalidError('the ID number never changes', { fields: { idNumber: 'validation.idNumberFixed' } });
      }
      await checkGroup(trx, b.groupCode);
      await trx('beneficiaries').where({ id }).update({ ...detailColumns(b), updated_by: user.id, updated_at: clock.now().toISOString() });
      await logAccess(trx, [id], user, 'edit');
      return view((await trx('beneficiaries').where({ id }).first())!, true);
    });
  }

  /**
   * One page of a community's register, counted, as this user may see it (browse's access rule);
   * only the rows shown are logged as read. A name search is for those who see names: community
   * staff of the community (a masked reader searching names would learn who is registered).
   */
  async function page(user: User, communityId: string | undefined, filter: unknown = {}, purpose = 'list'): Promise<RegisterPage> {
    const f = parseOr422(RegisterFilterSchema, filter, 'invalid filter');
    const c = await scope(user, communityId);
    const unmasked = mayReadUnmasked(user, c);
    if (f.q && !unmasked) throw new ForbiddenError('name search is for the community itself', { reasons: [{ code: 'OUT_OF_SCOPE' }] });
    const base = () => {
      const q = db('beneficiaries').where({ community_id: c });
      if (f.flag === 'alone') q.where('lives_alone', true);
      if (f.flag === 'daily') q.where('needs_daily_contact', true);
      if (f.group) q.where('group_code', f.group);
      // LIKE's wildcards in the search are literal; ESCAPE is named (SQLite has no default escape)
      if (f.q) q.whereRaw("name like ? escape '\\'", [`%${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`]);
      return q;
    };
    const counted = (await base().count({ n: '*' }).first()) as { n: number | string } | undefined;
    const rows = await base().orderBy([{ column: 'created_at' }, { column: 'id' }]).limit(f.pageSize).offset((f.page - 1) * f.pageSize);
    if (unmasked) await logAccess(db, rows.map((r) => r.id as string), user, purpose);
    return { communityId: c, rows: rows.map((r) => view(r, unmasked)), total: Number(counted?.n ?? 0), page: f.page, pageSize: f.pageSize, unmasked };
  }

  /**
   * A district's existing list into a community's register: every row is checked first (its fields,
   * the group, an ID number twice in the file or already registered anywhere) and nothing is written
   * unless every row is right. Rows are numbered as the sheet numbers them (`firstRow`: its first
   * data row). All rows go in one transaction.
   */
  async function importRows(user: User, rows: unknown[], firstRow = 2): Promise<{ imported: number }> {
    ownCommunity(user);
    if (rows.length === 0) throw new InvalidError('empty import', { fields: { file: 'validation.importEmpty' } });
    if (rows.length > IMPORT_MAX_ROWS) throw new InvalidError('too many rows', { fields: { file: 'validation.importTooMany' } });
    const errors: ImportRowError[] = [];
    const ok: BeneficiaryInput[] = [];
    const groups = new Set((await db('beneficiary_groups').select('code')).map((g) => g.code as string));
    const seen = new Map<string, number>();
    rows.forEach((input, i) => {
      const row = firstRow + i;
      const raw = (input ?? {}) as Record<string, unknown>;
      // the file's own consistency is checked whatever else is wrong with the row
      const idn = typeof raw.idNumber === 'string' ? normalIdNumber(raw.idNumber) : '';
      if (isValidIdNumber(idn)) {
        if (seen.has(idn)) errors.push({ row, field: 'idNumber', key: 'validation.idNumberTwice' });
        else seen.set(idn, row);
      }
      const group = typeof raw.groupCode === 'string' ? raw.groupCode.trim() : '';
      if (group !== '' && !groups.has(group)) errors.push({ row, field: 'groupCode', key: 'validation.unknownGroup' });
      const parsed = BeneficiarySchema.safeParse(input);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) errors.push({ row, field: String(issue.path[0] ?? ''), key: issue.message.startsWith('validation.') ? issue.message : 'validation.invalid' });
        return;
      }
      ok.push(parsed.data);
    });
    errors.sort((a, b) => a.row - b.row);
    if (errors.length === 0) {
      const taken = new Set<string>();
      for (let i = 0; i < ok.length; i += 500) {
        const keys = ok.slice(i, i + 500).map((b) => b.idNumber);
        for (const r of await db('beneficiary_id_numbers').whereIn('id_number_key', keys).select('id_number_key')) taken.add(r.id_number_key as string);
      }
      ok.forEach((b, i) => {
        if (taken.has(b.idNumber)) errors.push({ row: firstRow + i, field: 'idNumber', key: 'validation.idNumberTaken' });
      });
    }
    if (errors.length > 0) {
      throw new InvalidError('rows refused', { fields: { file: 'validation.importRows' }, reasons: errors.slice(0, 200).map((e) => ({ code: 'IMPORT_ROW', params: { ...e } })) });
    }
    // The registry's key still refuses a number registered meanwhile: the whole import rolls back.
    await db.transaction(async (trx) => {
      for (const b of ok) await insertOne(user, b, trx, randomUUID());
    });
    return { imported: ok.length };
  }

  /** Which community's register a user asks for, by browse's rule (404 unknown, 403 out of scope). */
  async function scope(user: User, communityId: string | undefined): Promise<string> {
    const id = communityId ?? user.communityId;
    if (!id) throw new InvalidError('communityId required', { fields: { communityId: 'validation.required' } });
    // operators read residents only through their care-call lists (careCallRead), never a register
    if (user.role === 'vendor' || user.role === 'admin' || user.role === 'operator') throw new ForbiddenError('no access to the register', { reasons: [{ code: 'WRONG_ROLE' }] });
    const c = await createReferenceService(deps).community(id);
    if ((user.role === 'community' && user.communityId !== c.id) || (user.role === 'street' && user.streetId !== c.streetId)) {
      throw new ForbiddenError('outside your scope', { reasons: [{ code: 'OUT_OF_SCOPE' }] });
    }
    return c.id;
  }

  /** One beneficiary as this user may see them (403 outside the register's scope); an unmasked read is logged with its purpose. */
  async function get(user: User, id: string, purpose = 'view'): Promise<BeneficiaryView> {
    if (user.role === 'operator') throw new ForbiddenError('operators read residents through their care-call lists', { reasons: [{ code: 'WRONG_ROLE' }] });
    const r = await db('beneficiaries').where({ id }).first();
    if (!r) throw new NotFoundError('beneficiary not found');
    await scope(user, r.community_id as string); // the register's access rule: 403 outside the scope
    const unmasked = mayReadUnmasked(user, r.community_id);
    if (unmasked) await logAccess(db, [id], user, purpose);
    return view(r, unmasked);
  }

  /** A community's register; other roles see masks (and only for scopes they have). */
  async function list(user: User, communityId: string, purpose = 'list'): Promise<BeneficiaryView[]> {
    const rows = await db('beneficiaries').where({ community_id: communityId }).orderBy('created_at');
    const unmasked = mayReadUnmasked(user, communityId);
    if (unmasked) await logAccess(db, rows.map((r) => r.id), user, purpose);
    return rows.map((r) => view(r, unmasked));
  }

  /**
   * A community's register as the API and pages show it, with the access decision: the community
   * is the user's own unless named; vendors and admins never see it (WRONG_ROLE); community staff
   * only their own community, street staff only their street's (OUT_OF_SCOPE).
   */
  async function browse(user: User, communityId: string | undefined, purpose = 'list'): Promise<BeneficiaryView[]> {
    return list(user, await scope(user, communityId), purpose);
  }

  /**
   * Residents unmasked for an operator's care calls (话务员, src/campaigns), each read logged with
   * purpose `care-call`. Only the campaigns service calls this, after it has checked that the
   * operator is assigned to a running campaign holding exactly these residents; everyone else
   * goes through mayReadUnmasked above.
   */
  async function careCallRead(user: User, ids: string[], q: Queryable = db): Promise<Map<string, BeneficiaryView>> {
    if (user.role !== 'operator') throw new ForbiddenError('care calls are for operators', { reasons: [{ code: 'WRONG_ROLE' }] });
    if (ids.length === 0) return new Map();
    const rows = await q('beneficiaries').whereIn('id', ids);
    await logAccess(q, rows.map((r) => r.id as string), user, 'care-call');
    return new Map(rows.map((r) => [r.id as string, view(r, true)]));
  }

  /** Masked views by id, for showing which beneficiary a delivery served without revealing them. */
  async function masked(ids: string[], q: Queryable = db): Promise<Map<string, BeneficiaryView>> {
    if (ids.length === 0) return new Map();
    const rows = await q('beneficiaries').whereIn('id', ids);
    return new Map(rows.map((r) => [r.id as string, view(r, false)]));
  }

  async function exists(id: string, communityId: string, q: Queryable = db): Promise<boolean> {
    return Boolean(await q('beneficiaries').where({ id, community_id: communityId }).first('id'));
  }

  async function accessLog(beneficiaryId: string) {
    return (await db('beneficiary_access_log').where({ beneficiary_id: beneficiaryId }).orderBy('id')).map((r) => ({ userId: r.user_id, purpose: r.purpose, at: r.at }));
  }

  /**
   * ID numbers registered more than once (stored before registration refused duplicates), for
   * `weishishi verify`: each group is the beneficiary ids and their communities, never the number
   * or any other personal data. An admin resolves them; nothing is deleted here.
   */
  async function duplicateIdNumbers(q: Queryable = db): Promise<Array<Array<{ id: string; communityId: string }>>> {
    const rows = await q('beneficiaries')
      .whereRaw(`${NORMAL_ID_SQL} in (select ${NORMAL_ID_SQL} from beneficiaries group by ${NORMAL_ID_SQL} having count(*) > 1)`)
      .orderBy(['created_at', 'id'])
      .select('id', 'community_id', q.raw(`${NORMAL_ID_SQL} as normal_id`));
    const groups = new Map<string, Array<{ id: string; communityId: string }>>();
    for (const r of rows) {
      const key = String(r.normal_id);
      groups.set(key, [...(groups.get(key) ?? []), { id: r.id as string, communityId: r.community_id as string }]);
    }
    return [...groups.values()];
  }

  return { register, update, page, importRows, get, list, browse, masked, careCallRead, exists, accessLog, duplicateIdNumbers };
}

export type BeneficiaryService = ReturnType<typeof createBeneficiaryService>;
