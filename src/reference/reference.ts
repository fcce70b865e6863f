// Reference data: district, streets, communities, categories, beneficiary groups, vendors.
// Admin-editable; read by every component. The only file that reads these tables.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ConflictError, InvalidError, NotFoundError, parseOr422 } from '../errors.js';
import { line, optionalLine } from '../../workflows/shared/text.js';
import { RATINGS, type Rating } from '../../workflows/project/project.rules.vendors.js';
import type { Clock } from '../lib/clock.js';
import { parseJson, type Db, type Queryable } from '../lib/db.js';

export const SUPPLY_TYPES = ['goods', 'works', 'services'] as const;
export type SupplyType = (typeof SUPPLY_TYPES)[number];

export interface District { id: string; code: string; nameZh: string; nameEn: string }
export interface Street { id: string; districtId: string; nameZh: string; nameEn: string }
/** `phone`: the community's contact telephone, shown on its public notices (null until an admin sets it). */
export interface Community { id: string; streetId: string; districtId: string; nameZh: string; nameEn: string; phone: string | null }
export interface Category { code: string; nameZh: string; nameEn: string; sort: number; active: boolean }
/** A beneficiary group (受益群体: 残疾人 老年人 …): whom a project serves; the code is the Chinese word. */
export type BeneficiaryGroup = Category;
export interface Vendor {
  id: string; name: string; creditCode: string | null; email: string; phone: string | null;
  types: SupplyType[]; status: 'active' | 'suspended'; createdAt: string;
  /** the record the eligibility rules read (null: not known); violations live in src/vendors/vendor-records.ts */
  registeredOn: string | null; rating: Rating | null; fullTimeStaff: number | null;
}

/**
 * A vendor's record as eligibility reads it: its registration date (YYYY-MM-DD), its rating (1A–5A,
 * '' for none) and its full-time staff. Each is optional on input: absent leaves it as it is.
 */
export const VendorRecordSchema = z.object({
  registeredOn: z.iso.date({ error: 'validation.date' }).optional(),
  rating: z.union([z.enum(RATINGS), z.literal('')], { error: 'validation.enum' }).transform((v) => (v === '' ? null : v)).optional(),
  fullTimeStaff: z.number({ error: 'validation.number' }).int('validation.integer').min(0, 'validation.non_negative').max(100_000, 'validation.too_big').optional(),
});

export const VendorInputSchema = z.object({
  name: line(200, 'validation.required'),
  creditCode: z.string().trim().regex(/^[0-9A-HJ-NPQRTUWXY]{18}$/, 'validation.creditCode').optional().or(z.literal('').transform(() => undefined)),
  email: z.string().trim().toLowerCase().email('validation.email'),
  phone: optionalLine(40).optional(),
  types: z.array(z.enum(SUPPLY_TYPES)).min(1, 'validation.required'),
  status: z.enum(['active', 'suspended']).default('active'),
}).extend(VendorRecordSchema.shape);

/**
 * A community's contact telephone: digits with the usual separators (0756-2123456, +86 756 212 3456,
 * 13800138000, 0756-2123456转8001), 5 to 20 digits; '' means none (null).
 */
export const CommunityPhone = z.string({ error: 'validation.phone' }).trim().max(40, 'validation.phone')
  .refine((v) => v === '' || (/^\+?[0-9][0-9 ()-]*[0-9](\s*(转|ext\.?|x)\s*[0-9]{1,6})?$/i.test(v) && (v.replace(/(转|ext\.?|x).*$/i, '').match(/[0-9]/g) ?? []).length >= 5
    && (v.replace(/(转|ext\.?|x).*$/i, '').match(/[0-9]/g) ?? []).length <= 20), 'validation.phone')
  .transform((v) => (v === '' ? null : v));

const toVendor = (r: Record<string, unknown>): Vendor => ({
  id: r.id as string, name: r.name as string, creditCode: (r.credit_code as string | null) ?? null,
  email: r.email as string, phone: (r.phone as string | null) ?? null, types: parseJson<SupplyType[]>(r.types),
  status: r.status as Vendor['status'], createdAt: r.created_at as string,
  registeredOn: (r.registered_on as string | null) ?? null, rating: (r.rating as Rating | null) ?? null,
  fullTimeStaff: r.full_time_staff === null || r.full_time_staff === undefined ? null : Number(r.full_time_staff),
});

/** The record columns an input names (absent ones stay as they are). */
export function vendorRecordColumns(v: z.output<typeof VendorRecordSchema>): Record<string, unknown> {
  return {
    ...(v.registeredOn !== undefined ? { registered_on: v.registeredOn } : {}),
    ...(v.rating !== undefined ? { rating: v.rating } : {}),
    ...(v.fullTimeStaff !== undefined ? { full_time_staff: v.fullTimeStaff } : {}),
  };
}

export function createReferenceService(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;

  const districts = async (q: Queryable = db): Promise<District[]> =>
    (await q('districts').orderBy('code')).map((r) => ({ id: r.id, code: r.code, nameZh: r.name_zh, nameEn: r.name_en }));

  const toStreet = (r: Record<string, unknown>): Street =>
    ({ id: r.id as string, districtId: r.district_id as string, nameZh: r.name_zh as string, nameEn: r.name_en as string });

  const streets = async (q: Queryable = db): Promise<Street[]> => (await q('streets').orderBy('id')).map(toStreet);

  /** One street by its key. */
  async function street(id: string, q: Queryable = db): Promise<Street> {
    const r = await q('streets').where({ id }).first();
    if (!r) throw new NotFoundError(`street ${id} not found`);
    return toStreet(r);
  }

  const communityRows = (q: Queryable) => q('communities').join('streets', 'streets.id', 'communities.street_id').select('communities.*', 'streets.district_id');
  const toCommunity = (r: Record<string, unknown>): Community =>
    ({ id: r.id as string, streetId: r.street_id as string, districtId: r.district_id as string, nameZh: r.name_zh as string, nameEn: r.name_en as string, phone: (r.phone as string | null) ?? null });

  const communities = async (q: Queryable = db): Promise<Community[]> =>
    (await communityRows(q).orderBy('communities.id')).map(toCommunity);

  /** One community by its key (a city has hundreds: never the whole list for one). */
  async function community(id: string, q: Queryable = db): Promise<Community> {
    const r = (await communityRows(q).where('communities.id', id).first()) as Record<string, unknown> | undefined;
    if (!r) throw new NotFoundError(`community ${id} not found`);
    return toCommunity(r);
  }

  const categories = async (q: Queryable = db, opts: { all?: boolean } = {}): Promise<Category[]> => {
    const query = q('categories').orderBy(['sort', 'code']);
    if (!opts.all) query.where('active', true);
    return (await query).map((r) => ({ code: r.code, nameZh: r.name_zh, nameEn: r.name_en, sort: Number(r.sort), active: Boolean(r.active) }));
  };

  /** The beneficiary groups, active ones only unless `all`. */
  const groups = async (q: Queryable = db, opts: { all?: boolean } = {}): Promise<BeneficiaryGroup[]> => {
    const query = q('beneficiary_groups').orderBy(['sort', 'code']);
    if (!opts.all) query.where('active', true);
    return (await query).map((r) => ({ code: r.code, nameZh: r.name_zh, nameEn: r.name_en, sort: Number(r.sort), active: Boolean(r.active) }));
  };

  const vendors = async (q: Queryable = db): Promise<Vendor[]> => (await q('vendors').orderBy('name')).map(toVendor);

  /** The names of these vendors, by id (organisations: the name only, never their contacts). */
  async function vendorNames(ids: readonly string[], q: Queryable = db): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    return new Map(((await q('vendors').whereIn('id', [...ids]).select('id', 'name')) as Array<{ id: string; name: string }>).map((r) => [r.id, r.name]));
  }

  async function vendor(id: string, q: Queryable = db): Promise<Vendor> {
    const r = await q('vendors').where({ id }).first();
    if (!r) throw new NotFoundError(`vendor ${id} not found`);
    return toVendor(r);
  }

  async function createVendor(input: unknown, q: Queryable = db, id: string = randomUUID()): Promise<Vendor> {
    const v = parseOr422(VendorInputSchema, input);
    await q('vendors').insert({
      id, name: v.name, credit_code: v.creditCode ?? null, email: v.email, phone: v.phone ?? null,
      types: JSON.stringify(v.types), status: v.status, created_at: clock.now().toISOString(), ...vendorRecordColumns(v),
    });
    return vendor(id, q);
  }

  async function updateVendor(id: string, input: unknown): Promise<Vendor> {
    const v = parseOr422(VendorInputSchema, input);
    const n = await db('vendors').where({ id }).update({
      // never the status: only the `vendor` workflow changes it (src/vendors/vendor-status.ts)
      name: v.name, credit_code: v.creditCode ?? null, email: v.email, phone: v.phone ?? null, types: JSON.stringify(v.types),
      ...vendorRecordColumns(v),
    });
    if (!n) throw new NotFoundError(`vendor ${id} not found`);
    return vendor(id);
  }

  async function createStreet(input: { id?: string; districtId: string; nameZh: string; nameEn: string }, q: Queryable = db): Promise<Street> {
    const s = { data: parseOr422(z.object({ districtId: z.string().min(1), nameZh: line(100, 'validation.required'), nameEn: line(100, 'validation.required') }), input) };
    const id = input.id ?? randomUUID();
    await q('streets').insert({ id, district_id: s.data.districtId, name_zh: s.data.nameZh, name_en: s.data.nameEn });
    return { id, ...s.data };
  }

  async function createCommunity(input: { id?: string; streetId: string; nameZh: string; nameEn: string }, q: Queryable = db): Promise<Community> {
    const s = { data: parseOr422(z.object({ streetId: z.string().min(1, 'validation.required'), nameZh: line(100, 'validation.required'), nameEn: line(100, 'validation.required') }), input) };
    const street = await q('streets').where({ id: s.data.streetId }).first();
    if (!street) throw new InvalidError('unknown street', { fields: { streetId: 'validation.invalid' } });
    const id = input.id ?? randomUUID();
    await q('communities').insert({ id, street_id: s.data.streetId, name_zh: s.data.nameZh, name_en: s.data.nameEn });
    return { id, districtId: street.district_id, ...s.data, phone: null };
  }

  /**
   * Renames a street or a community, and sets a community's contact telephone when the input has
   * `phone` ('' clears it). Moving a community to another street is not offered: its projects' scope
   * would change under them.
   */
  async function renamePlace(kind: 'street' | 'community', id: string, input: unknown): Promise<void> {
    const p = { data: parseOr422(z.object({ nameZh: line(100, 'validation.required'), nameEn: line(100, 'validation.required'), phone: CommunityPhone.optional() }), input) };
    const phone = kind === 'community' && p.data.phone !== undefined ? { phone: p.data.phone } : {};
    const n = await db(kind === 'street' ? 'streets' : 'communities').where({ id }).update({ name_zh: p.data.nameZh, name_en: p.data.nameEn, ...phone });
    if (!n) throw new NotFoundError(`${kind} ${id} not found`);
  }

  /** Categories and groups share one shape: a code (the Chinese word), names, an order, active or not. */
  const CodedSchema = z.object({
    code: line(16, 'validation.required'),
    nameZh: line(50, 'validation.required'),
    nameEn: line(80, 'validation.required'),
    sort: z.coerce.number().int().default(0),
    active: z.coerce.boolean().default(true),
  });

  async function upsertCoded(table: 'categories' | 'beneficiary_groups', input: unknown, q: Queryable): Promise<Category> {
    const c = parseOr422(CodedSchema, input);
    const row = { code: c.code, name_zh: c.nameZh, name_en: c.nameEn, sort: c.sort, active: c.active };
    const exists = await q(table).where({ code: c.code }).first();
    if (exists) await q(table).where({ code: c.code }).update(row);
    else await q(table).insert(row);
    return c;
  }

  const upsertCategory = (input: unknown, q: Queryable = db): Promise<Category> => upsertCoded('categories', input, q);

  /** Adds or changes a beneficiary group; a group is never deleted (projects keep its code), only made inactive. */
  const upsertGroup = (input: unknown, q: Queryable = db): Promise<BeneficiaryGroup> => upsertCoded('beneficiary_groups', input, q);

  async function assertVendorMaySupply(vendorIds: string[], type: SupplyType, q: Queryable): Promise<void> {
    const rows = (await q('vendors').whereIn('id', vendorIds)).map(toVendor);
    for (const id of vendorIds) {
      const v = rows.find((r) => r.id === id);
      if (!v) throw new InvalidError('unknown vendor', { fields: { vendorIds: 'validation.unknownVendor' } });
      if (v.status !== 'active') throw new ConflictError('vendor suspended', { reasons: [{ code: 'VENDOR_SUSPENDED', params: { vendor: v.name } }] });
      if (!v.types.includes(type)) throw new ConflictError('vendor cannot supply this type', { reasons: [{ code: 'VENDOR_TYPE', params: { vendor: v.name, type } }] });
    }
  }

  return { districts, streets, street, communities, community, categories, groups, vendors, vendorNames, vendor, createVendor, updateVendor, createStreet, createCommunity, renamePlace, upsertCategory, upsertGroup, assertVendorMaySupply };
}

export type ReferenceService = ReturnType<typeof createReferenceService>;
