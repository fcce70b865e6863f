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

export const BeneficiarySchema = z.object({
  name: z.string().trim().min(1, 'validation.required').max(100),
  idNumber: z.string().transform(normalIdNumber).refine(isValidIdNumber, 'validation.idNumber'),
  phone: z.string().trim().regex(/^[0-9+\- ]{7,20}$/, 'validation.phone').optional().or(z.literal('').transform(() => undefined)),
  address: z.string().trim().min(1, 'validation.required').max(300),
  disabilityType: z.string().trim().max(40).optional(),
  disabilityLevel: z.string().trim().max(16).optional(),
  householdSize: z.coerce.number().int().min(1).max(30).optional(),
});

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
  masked: boolean;
}

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
    };
    if (unmasked) return { ...b, masked: false };
    // Disability details are health data: withheld entirely from other roles.
    return { ...b, name: maskName(b.name), idNumber: maskIdNumber(b.idNumber), phone: maskPhone(b.phone), address: maskAddress(b.address), disabilityType: null, disabilityLevel: null, masked: true };
  }

  async function logAccess(q: Queryable, ids: string[], user: User, purpose: string) {
    if (ids.length === 0) return;
    const at = new Date().toISOString(); // access logs are wall time, never the sandbox clock
    await q('beneficiary_access_log').insert(ids.map((id) => ({ beneficiary_id: id, user_id: user.id, purpose, at })));
  }

  async function register(user: User, input: unknown, q: Queryable = db, id = randomUUID()): Promise<BeneficiaryView> {
    if (user.role !== 'community' || !user.communityId) throw new ForbiddenError('only community staff register beneficiaries', { reasons: [{ code: 'WRONG_ROLE' }] });
    const b = parseOr422(BeneficiarySchema, input, 'invalid beneficiary');
    // One person, one registration in the whole deployment, held by the registry's primary key
    // (beneficiary_id_numbers), so two concurrent registrations cannot both pass. The beneficiary
    // and its registry row are written together (a savepoint inside a caller's transaction): a
    // number already held leaves nothing behind. The answer does not say which community holds
    // the number (that would disclose where a person is registered).
    return q.transaction(async (trx) => {
      await trx('beneficiaries').insert({
        id, community_id: user.communityId, name: b.name, id_number: b.idNumber, phone: b.phone ?? null, address: b.address,
        disability_type: b.disabilityType ?? null, disability_level: b.disabilityLevel ?? null, household_size: b.householdSize ?? null,
        created_by: user.id, created_at: clock.now().toISOString(),
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

  /** One beneficiary as this user may see them; an unmasked read is logged with its purpose. */
  async function get(user: User, id: string, purpose = 'view'): Promise<BeneficiaryView> {
    const r = await db('beneficiaries').where({ id }).first();
    if (!r) throw new NotFoundError('beneficiary not found');
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
    const id = communityId ?? user.communityId;
    if (!id) throw new InvalidError('communityId required', { fields: { communityId: 'validation.required' } });
    if (user.role === 'vendor' || user.role === 'admin') throw new ForbiddenError('no access to the register', { reasons: [{ code: 'WRONG_ROLE' }] });
    // Which street a community belongs to is reference data: asked of its owner (404 when unknown).
    const c = await createReferenceService(deps).community(id);
    if ((user.role === 'community' && user.communityId !== c.id) || (user.role === 'street' && user.streetId !== c.streetId)) {
      throw new ForbiddenError('outside your scope', { reasons: [{ code: 'OUT_OF_SCOPE' }] });
    }
    return list(user, c.id, purpose);
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

  return { register, get, list, browse, masked, exists, accessLog, duplicateIdNumbers };
}

export type BeneficiaryService = ReturnType<typeof createBeneficiaryService>;
