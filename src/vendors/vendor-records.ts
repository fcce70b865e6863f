// A vendor's record for the eligibility rules (issue 14, item 1): what the engine puts on INVITE
// and AWARD (`facts`), the changes a vendor proposes to its own record in the vendor portal and an
// admin confirms or rejects (vendor_record_changes: every proposal and decision is kept), and the
// violations an admin records (vendor_violations). A vendor never records its own violations.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ConflictError, ForbiddenError, InvalidError, NotFoundError, parseOr422 } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { shanghaiDate } from '../lib/calendar.js';
import { parseJson, type Db, type Queryable } from '../lib/db.js';
import type { User } from '../auth/users.js';
import { line } from '../../workflows/shared/text.js';
import {
  eligibilityRule, ratingPreferred, vendorEligibilityReasons, type Eligibility, type Rating, type VendorRecordFacts, type VendorViolation,
} from '../../workflows/project/project.rules.vendors.js';
import type { ProjectType, Reason } from '../../workflows/project/project.types.js';
import { VendorRecordSchema, vendorRecordColumns, type ReferenceService, type Vendor } from '../reference/reference.js';

/** A proposal must change something. */
const ChangeSchema = VendorRecordSchema.refine((v) => v.registeredOn !== undefined || v.rating !== undefined || v.fullTimeStaff !== undefined, {
  message: 'validation.required', path: ['registeredOn'],
});

export const ViolationSchema = z.object({
  occurredOn: z.iso.date({ error: 'validation.date' }),
  source: line(200, 'validation.required'),
  description: line(500, 'validation.required'),
});

export const DecisionSchema = z.object({
  decision: z.enum(['confirm', 'reject'], { error: 'validation.enum' }),
  note: z.string().trim().max(500, 'validation.too_long').optional(),
});

export type RecordFields = { registeredOn?: string; rating?: string | null; fullTimeStaff?: number };

export interface RecordChange {
  id: string;
  vendorId: string;
  vendorName: string;
  changes: RecordFields;
  previous: RecordFields;
  status: 'pending' | 'confirmed' | 'declined' | 'superseded';
  requestedBy: string;
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  note: string | null;
}

/** A vendor as the invitation and award forms show it: the rules' refusals now, and the rating preference. */
export interface VendorEligibility {
  /** the reasons the engine would refuse this vendor with now (empty: eligible) */
  reasons: Reason[];
  /** the rules version requires something of this type's vendors */
  required: boolean;
  /** the rating meets the rules' preference (never a refusal) */
  preferred: boolean;
  rating: Rating | null;
}

export interface Violation extends VendorViolation {
  id: string;
  vendorId: string;
  recordedBy: string;
  recordedAt: string;
}

const toChange = (r: Record<string, unknown>): RecordChange => ({
  id: r.id as string, vendorId: r.vendor_id as string, vendorName: (r.vendor_name as string | undefined) ?? (r.vendor_id as string),
  changes: parseJson<RecordFields>(r.changes), previous: parseJson<RecordFields>(r.previous), status: r.status as RecordChange['status'],
  requestedBy: r.requested_by as string, requestedAt: r.requested_at as string,
  decidedBy: (r.decided_by as string | null) ?? null, decidedAt: (r.decided_at as string | null) ?? null, note: (r.note as string | null) ?? null,
});

const toViolation = (r: Record<string, unknown>): Violation => ({
  id: r.id as string, vendorId: r.vendor_id as string, on: r.occurred_on as string, source: r.source as string,
  description: r.description as string, recordedBy: r.recorded_by as string, recordedAt: r.recorded_at as string,
});

const fieldsOf = (v: Vendor): RecordFields => ({ registeredOn: v.registeredOn ?? undefined, rating: v.rating, fullTimeStaff: v.fullTimeStaff ?? undefined });

export function createVendorRecordService(deps: { db: Db; clock: Clock; reference: ReferenceService }) {
  const { db, clock, reference } = deps;
  const today = () => shanghaiDate(clock.now().toISOString());

  /** A date on a record may not lie in the future (Asia/Shanghai). */
  function notInFuture(field: string, date: string | undefined): void {
    if (date !== undefined && date > today()) throw new InvalidError(`${field} is in the future`, { fields: { [field]: 'validation.notInFuture' } });
  }

  async function violations(vendorIds: readonly string[], q: Queryable = db): Promise<Violation[]> {
    if (vendorIds.length === 0) return [];
    return (await q('vendor_violations').whereIn('vendor_id', [...vendorIds]).orderBy([{ column: 'occurred_on', order: 'desc' }, 'id'])).map(toViolation);
  }

  /** The records of these vendors as the eligibility rules read them (unknown ids are left out). */
  async function facts(vendorIds: readonly string[], q: Queryable = db): Promise<Record<string, VendorRecordFacts>> {
    const ids = [...new Set(vendorIds)];
    if (ids.length === 0) return {};
    const rows = await q('vendors').whereIn('id', ids).select('id', 'name', 'registered_on', 'rating', 'full_time_staff');
    const all = await violations(ids, q);
    return Object.fromEntries(rows.map((r: Record<string, unknown>) => [r.id as string, {
      name: r.name as string,
      registeredOn: (r.registered_on as string | null) ?? null,
      rating: (r.rating as VendorRecordFacts['rating']) ?? null,
      fullTimeStaff: r.full_time_staff === null || r.full_time_staff === undefined ? null : Number(r.full_time_staff),
      violations: all.filter((v) => v.vendorId === r.id).map((v) => ({ on: v.on, source: v.source, description: v.description })),
    } satisfies VendorRecordFacts]));
  }

  /**
   * Each vendor's eligibility for a project of `type` under `rules`, now, with the rule functions
   * the machine's guard uses on the records `enrich` would put on the event.
   */
  async function eligibility(rules: { eligibility?: Eligibility }, type: ProjectType, vendorIds: readonly string[], q: Queryable = db): Promise<Map<string, VendorEligibility>> {
    const records = await facts(vendorIds, q);
    const at = clock.now().toISOString();
    const required = eligibilityRule(rules, type) !== undefined;
    return new Map(Object.entries(records).map(([id, r]) => [id, {
      reasons: vendorEligibilityReasons(rules, type, id, r, at), required, preferred: ratingPreferred(rules, type, r.rating), rating: r.rating,
    }]));
  }

  function ownVendor(user: User): string {
    if (user.role !== 'vendor' || !user.vendorId) throw new ForbiddenError('only a vendor keeps its own record', { reasons: [{ code: 'WRONG_ROLE' }] });
    return user.vendorId;
  }

  function admin(user: User): void {
    if (user.role !== 'admin') throw new ForbiddenError('only an admin decides on vendor records', { reasons: [{ code: 'WRONG_ROLE' }] });
  }

  async function changes(vendorId: string, q: Queryable = db): Promise<RecordChange[]> {
    return (await q('vendor_record_changes').where({ vendor_id: vendorId }).orderBy('seq', 'desc')).map(toChange);
  }

  /** The vendor's own record, its violations and its proposals (the vendor portal's record page). */
  async function ownRecord(user: User) {
    const vendorId = ownVendor(user);
    const vendor = await reference.vendor(vendorId);
    return { vendor, violations: await violations([vendorId]), changes: await changes(vendorId) };
  }

  /**
   * A vendor proposes new values for its registration date, rating and staff; they take effect when
   * an admin confirms them. A newer proposal supersedes a pending one.
   */
  async function propose(user: User, input: unknown): Promise<RecordChange> {
    const vendorId = ownVendor(user);
    const c = parseOr422(ChangeSchema, input, 'invalid vendor record');
    notInFuture('registeredOn', c.registeredOn);
    const vendor = await reference.vendor(vendorId);
    const id = randomUUID();
    const at = clock.now().toISOString();
    await db.transaction(async (trx) => {
      await trx('vendor_record_changes').where({ vendor_id: vendorId, status: 'pending' }).update({ status: 'superseded', decided_at: at });
      // (vendor_id, seq) is unique: of two proposals racing, one fails rather than both landing as one
      const last = await trx('vendor_record_changes').where({ vendor_id: vendorId }).max<{ seq: number | null }[]>({ seq: 'seq' });
      await trx('vendor_record_changes').insert({
        id, vendor_id: vendorId, seq: Number(last[0]?.seq ?? 0) + 1, changes: JSON.stringify(c), previous: JSON.stringify(fieldsOf(vendor)), status: 'pending', requested_by: user.id, requested_at: at,
      });
    });
    return { ...toChange({ id, vendor_id: vendorId, vendor_name: vendor.name, changes: c, previous: fieldsOf(vendor), status: 'pending', requested_by: user.id, requested_at: at }) };
  }

  /** Every proposal waiting for an admin, oldest first. */
  async function pending(user: User): Promise<RecordChange[]> {
    admin(user);
    return (await db('vendor_record_changes').join('vendors', 'vendors.id', 'vendor_record_changes.vendor_id').where('vendor_record_changes.status', 'pending')
      .orderBy([{ column: 'vendor_record_changes.requested_at', order: 'asc' }, { column: 'vendor_record_changes.vendor_id', order: 'asc' }])
      .select('vendor_record_changes.*', 'vendors.name as vendor_name')).map(toChange);
  }

  /** An admin confirms (the record takes the new values) or rejects a pending proposal; decided ones are 409. */
  async function decide(user: User, changeId: string, input: unknown): Promise<RecordChange> {
    admin(user);
    const d = parseOr422(DecisionSchema, input, 'invalid decision');
    const at = clock.now().toISOString();
    return db.transaction(async (trx) => {
      const row = await trx('vendor_record_changes').where({ id: changeId }).forUpdate().first();
      if (!row) throw new NotFoundError(`vendor record change ${changeId} not found`);
      if (row.status !== 'pending') throw new ConflictError('this change was already decided', { reasons: [{ code: 'VENDOR_CHANGE_DECIDED', params: { status: row.status } }] });
      if (d.decision === 'confirm') {
        const c = parseJson<z.output<typeof VendorRecordSchema>>(row.changes);
        await trx('vendors').where({ id: row.vendor_id }).update(vendorRecordColumns(c));
      }
      const status = d.decision === 'confirm' ? 'confirmed' : 'declined';
      // a decision happens once: a concurrent one finds the row decided
      const n = await trx('vendor_record_changes').where({ id: changeId, status: 'pending' }).update({ status, decided_by: user.id, decided_at: at, note: d.note || null });
      if (n !== 1) throw new ConflictError('this change was already decided', { reasons: [{ code: 'VENDOR_CHANGE_DECIDED', params: { status: 'decided' } }] });
      return toChange({ ...row, status, decided_by: user.id, decided_at: at, note: d.note || null });
    });
  }

  /** An admin records a violation on a vendor's record (dated, with its source). */
  async function addViolation(user: User, vendorId: string, input: unknown): Promise<Violation> {
    admin(user);
    const v = parseOr422(ViolationSchema, input, 'invalid violation');
    notInFuture('occurredOn', v.occurredOn);
    await reference.vendor(vendorId);
    const row = { id: randomUUID(), vendor_id: vendorId, occurred_on: v.occurredOn, source: v.source, description: v.description, recorded_by: user.id, recorded_at: clock.now().toISOString() };
    await db('vendor_violations').insert(row);
    return toViolation(row);
  }

  /** A vendor's record for an admin: the vendor, its violations and every change. */
  async function recordOf(user: User, vendorId: string) {
    admin(user);
    const vendor = await reference.vendor(vendorId);
    return { vendor, violations: await violations([vendorId]), changes: await changes(vendorId) };
  }

  return { facts, eligibility, violations, changes, ownRecord, propose, pending, decide, addViolation, recordOf };
}

export type VendorRecordService = ReturnType<typeof createVendorRecordService>;
