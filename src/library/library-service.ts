// The service-project library (服务项目库, issue 14 item 3): the district's catalogue of standard
// offerings, the vendors qualified for each, and what a project started from an entry records
// (`startFacts`) or what `enrich` puts on INVITE and AWARD (`vendorFactsOfInstance`). Admins
// maintain it (create, edit, retire, Excel import and export); everyone signed in may read it.
import { randomUUID } from 'node:crypto';
import type ExcelJS from 'exceljs';
import { loadExcel } from '../lib/lazy-modules.js';
import { cellText } from '../exports/xlsx-cells.js';
import { z } from 'zod';
import { ConflictError, ForbiddenError, InvalidError, NotFoundError, parseOr422, type Reason } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { shanghaiDate } from '../lib/calendar.js';
import { parseJson, type Db, type Queryable } from '../lib/db.js';
import type { User } from '../auth/users.js';
import type { ReferenceService } from '../reference/reference.js';
import { line, paragraph } from '../../workflows/shared/text.js';
import { MAX_AMOUNT_FEN } from '../../workflows/shared/money.js';
import { PROJECT_TYPES, type ProjectType } from '../../workflows/project/project.types.js';
import {
  LIBRARY_UNITS, libraryStartReasons, type LibraryFacts, type LibraryUnit, type LibraryVendorFacts,
} from '../../workflows/project/project.rules.library.js';

export interface LibraryEntry {
  id: string;
  districtId: string;
  code: string;
  name: string;
  category: string;
  type: ProjectType;
  unit: LibraryUnit;
  referenceFen: number;
  ceilingFen: number;
  description: string;
  validFrom: string;
  validTo: string;
  version: number;
  retiredAt: string | null;
  vendorIds: string[];
  createdAt: string;
  updatedAt: string;
}

const fen = () => z.number({ error: 'validation.number' }).int('validation.integer').nonnegative('validation.non_negative').max(MAX_AMOUNT_FEN, 'validation.amount_too_large');
const date = () => z.iso.date({ error: 'validation.date' });

/** One entry as admins enter it (the page converts 元 to fen first); ceiling ≥ reference, validFrom ≤ validTo. */
export const EntrySchema = z
  .object({
    code: z.string().trim().regex(/^[A-Za-z0-9_-]{1,32}$/, 'validation.libraryCode'),
    name: line(200),
    category: line(16),
    type: z.enum(PROJECT_TYPES, { error: 'validation.enum' }),
    unit: z.enum(LIBRARY_UNITS, { error: 'validation.enum' }),
    referenceFen: fen().positive('validation.positive'),
    ceilingFen: fen().positive('validation.positive'),
    description: paragraph(5000),
    validFrom: date(),
    validTo: date(),
    vendorIds: z.array(z.string().max(64), { error: 'validation.required' }).max(200, 'validation.too_many').default([]),
  })
  .superRefine((e, ctx) => {
    if (e.ceilingFen < e.referenceFen) ctx.addIssue({ code: 'custom', path: ['ceilingFen'], message: 'validation.ceilingBelowReference' });
    if (e.validTo < e.validFrom) ctx.addIssue({ code: 'custom', path: ['validTo'], message: 'validation.validToBeforeFrom' });
  });
export type EntryInput = z.output<typeof EntrySchema>;

export const LibraryListSchema = z.object({
  q: z.string().trim().max(100).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(20),
  /** include retired entries */
  all: z.enum(['0', '1', 'true', 'false']).optional(),
});

const toEntry = (r: Record<string, unknown>, vendorIds: string[]): LibraryEntry => ({
  id: r.id as string, districtId: r.district_id as string, code: r.code as string, name: r.name as string, category: r.category as string,
  type: r.type as ProjectType, unit: r.unit as LibraryUnit, referenceFen: Number(r.reference_fen), ceilingFen: Number(r.ceiling_fen),
  description: r.description as string, validFrom: r.valid_from as string, validTo: r.valid_to as string, version: Number(r.version),
  retiredAt: (r.retired_at as string | null) ?? null, vendorIds, createdAt: r.created_at as string, updatedAt: r.updated_at as string,
});

/** The Excel columns, in order (headers in both languages, so a sheet reads in either). */
export const SHEET_COLUMNS = ['code', 'name', 'category', 'type', 'unit', 'referenceYuan', 'ceilingYuan', 'description', 'validFrom', 'validTo', 'vendorIds'] as const;
const SHEET_HEADERS: Record<(typeof SHEET_COLUMNS)[number], string> = {
  code: '编号 code', name: '名称 name', category: '类别 category', type: '类型 type', unit: '计价单位 unit',
  referenceYuan: '参考单价（元）reference price', ceilingYuan: '最高限价（元）ceiling price', description: '服务内容 description',
  validFrom: '有效期起 valid from', validTo: '有效期止 valid to', vendorIds: '入库供应商 vendor ids',
};
/** Which column a schema path is in (the row errors name it). */
const COLUMN_OF: Record<string, string> = { referenceFen: 'referenceYuan', ceilingFen: 'ceilingYuan' };

/** The row says what the entry holds already. */
function sameEntry(e: LibraryEntry, i: EntryInput): boolean {
  const sorted = (v: readonly string[]) => [...new Set(v)].sort().join(',');
  return e.code === i.code && e.name === i.name && e.category === i.category && e.type === i.type && e.unit === i.unit && e.referenceFen === i.referenceFen
    && e.ceilingFen === i.ceilingFen && e.description === i.description && e.validFrom === i.validFrom && e.validTo === i.validTo && sorted(e.vendorIds) === sorted(i.vendorIds);
}

export interface LibraryServiceDeps {
  db: Db;
  clock: Clock;
  reference: ReferenceService;
}

export function createLibraryService(deps: LibraryServiceDeps) {
  const { db, clock } = deps;
  const today = () => shanghaiDate(clock.now().toISOString());

  async function vendorIdsOf(q: Queryable, ids: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return out;
    const rows = await q('library_entry_vendors').whereIn('entry_id', ids).orderBy('vendor_id');
    for (const r of rows as Array<{ entry_id: string; vendor_id: string }>) out.get(r.entry_id)?.push(r.vendor_id);
    return out;
  }

  async function find(id: string, q: Queryable = db): Promise<LibraryEntry | null> {
    const row = (await q('library_entries').where({ id }).first()) as Record<string, unknown> | undefined;
    if (!row) return null;
    return toEntry(row, (await vendorIdsOf(q, [id])).get(id) ?? []);
  }

  async function get(id: string, q: Queryable = db): Promise<LibraryEntry> {
    const e = typeof id === 'string' && id.length <= 64 ? await find(id, q) : null;
    if (!e) throw new NotFoundError(`library entry ${id} not found`);
    return e;
  }

  /** Entries by name, paged and counted; retired ones only when asked. */
  async function list(query: unknown = {}): Promise<{ entries: LibraryEntry[]; total: number; page: number; pageSize: number }> {
    const p = parseOr422(LibraryListSchema, query, 'invalid library query');
    const base = () => {
      let b = db('library_entries');
      if (!(p.all === '1' || p.all === 'true')) b = b.whereNull('retired_at');
      if (p.q) {
        const like = `%${p.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
        b = b.where((w) => w.whereRaw("name like ? escape '\\'", [like]).orWhereRaw("code like ? escape '\\'", [like]));
      }
      return b;
    };
    const counted = (await base().count({ n: '*' })) as Array<{ n: number | string }>;
    const n = counted[0]?.n ?? 0;
    const rows = (await base().orderBy([{ column: 'name' }, { column: 'id' }]).limit(p.pageSize).offset((p.page - 1) * p.pageSize)) as Array<Record<string, unknown>>;
    const vendors = await vendorIdsOf(db, rows.map((r) => r.id as string));
    return { entries: rows.map((r) => toEntry(r, vendors.get(r.id as string) ?? [])), total: Number(n), page: p.page, pageSize: p.pageSize };
  }

  /** Every active entry (the "start from the library" page; a district's library holds dozens, not thousands). */
  async function active(): Promise<LibraryEntry[]> {
    const rows = (await db('library_entries').whereNull('retired_at').orderBy([{ column: 'name' }, { column: 'id' }])) as Array<Record<string, unknown>>;
    const vendors = await vendorIdsOf(db, rows.map((r) => r.id as string));
    return rows.map((r) => toEntry(r, vendors.get(r.id as string) ?? []));
  }

  const requireAdmin = (user: User) => {
    if (user.role !== 'admin') throw new ForbiddenError('only admins maintain the library', { reasons: [{ code: 'WRONG_ROLE' }] });
  };

  /** Reference checks a schema cannot make: an active category, known vendors, a free code. */
  async function checkReferences(q: Queryable, e: EntryInput, districtId: string, exceptId?: string): Promise<Record<string, string>> {
    const fields: Record<string, string> = {};
    const categories = await deps.reference.categories(q, { all: true });
    if (!categories.some((c) => c.code === e.category)) fields.category = 'validation.category';
    if (e.vendorIds.length > 0) {
      const known = new Set(((await q('vendors').whereIn('id', [...new Set(e.vendorIds)]).select('id')) as Array<{ id: string }>).map((v) => v.id));
      if (!e.vendorIds.every((v) => known.has(v))) fields.vendorIds = 'validation.unknownVendor';
    }
    const clash = await q('library_entries').where({ district_id: districtId, code: e.code }).modify((b) => (exceptId ? b.whereNot({ id: exceptId }) : b)).first();
    if (clash) fields.code = 'validation.libraryCodeTaken';
    return fields;
  }

  async function districtOf(user: User, q: Queryable): Promise<string> {
    if (user.districtId) return user.districtId;
    const d = (await deps.reference.districts(q))[0];
    if (!d) throw new ConflictError('no district set up yet');
    return d.id;
  }

  const columns = (e: EntryInput) => ({
    code: e.code, name: e.name, category: e.category, type: e.type, unit: e.unit, reference_fen: e.referenceFen, ceiling_fen: e.ceilingFen,
    description: e.description, valid_from: e.validFrom, valid_to: e.validTo,
  });

  async function writeVendors(q: Queryable, id: string, vendorIds: string[]): Promise<void> {
    await q('library_entry_vendors').where({ entry_id: id }).delete();
    const ids = [...new Set(vendorIds)];
    if (ids.length) await q('library_entry_vendors').insert(ids.map((vendor_id) => ({ entry_id: id, vendor_id })));
  }

  async function insert(q: Queryable, user: User, e: EntryInput, districtId: string): Promise<string> {
    const id = randomUUID();
    const at = clock.now().toISOString();
    await q('library_entries').insert({ id, district_id: districtId, ...columns(e), version: 1, retired_at: null, created_by: user.id, created_at: at, updated_at: at });
    await writeVendors(q, id, e.vendorIds);
    return id;
  }

  async function change(q: Queryable, id: string, e: EntryInput): Promise<void> {
    await q('library_entries').where({ id }).update({ ...columns(e), version: q.raw('version + 1'), updated_at: clock.now().toISOString() });
    await writeVendors(q, id, e.vendorIds);
  }

  async function create(user: User, input: unknown): Promise<LibraryEntry> {
    requireAdmin(user);
    const e = parseOr422(EntrySchema, input, 'invalid library entry');
    const id = await db.transaction(async (trx) => {
      const districtId = await districtOf(user, trx);
      const fields = await checkReferences(trx, e, districtId);
      if (Object.keys(fields).length) throw new InvalidError('invalid library entry', { fields });
      return insert(trx, user, e, districtId);
    });
    return get(id);
  }

  /** A new version of the entry: projects started from it keep the facts they recorded. */
  async function update(user: User, id: string, input: unknown): Promise<LibraryEntry> {
    requireAdmin(user);
    const before = await get(id);
    const e = parseOr422(EntrySchema, input, 'invalid library entry');
    await db.transaction(async (trx) => {
      const fields = await checkReferences(trx, e, before.districtId, id);
      if (Object.keys(fields).length) throw new InvalidError('invalid library entry', { fields });
      await change(trx, id, e);
    });
    return get(id);
  }

  /** Retired: no new proposal may start from it; projects under way keep working with their facts. */
  async function retire(user: User, id: string): Promise<LibraryEntry> {
    requireAdmin(user);
    const e = await get(id);
    if (e.retiredAt !== null) throw new ConflictError('library entry already retired', { reasons: [{ code: 'LIBRARY_ENTRY_RETIRED', params: { entry: e.name } }] });
    await db('library_entries').where({ id }).update({ retired_at: clock.now().toISOString(), version: db.raw('version + 1'), updated_at: clock.now().toISOString() });
    return get(id);
  }

  /**
   * What a project started from `entryId` records (in the creating transaction), or 409 with the
   * reason the entry may not start a proposal today (retired, expired, not yet valid).
   */
  async function startFacts(entryId: string, q: Queryable = db): Promise<LibraryFacts> {
    const e = typeof entryId === 'string' && entryId.length <= 64 ? await find(entryId, q) : null;
    if (!e) throw new InvalidError('unknown library entry', { fields: { libraryEntryId: 'validation.libraryEntry' } });
    const reasons: Reason[] = libraryStartReasons({ name: e.name, validFrom: e.validFrom, validTo: e.validTo, retired: e.retiredAt !== null }, today());
    if (reasons.length) throw new ConflictError(`library entry ${e.code} may not start a proposal`, { reasons });
    return {
      entryId: e.id, version: e.version, code: e.code, name: e.name, unit: e.unit, referenceFen: e.referenceFen, ceilingFen: e.ceilingFen,
      validFrom: e.validFrom, validTo: e.validTo, vendorIds: e.vendorIds,
    };
  }

  /**
   * For `enrich` (INVITE, AWARD): the qualified vendors of the library entry the instance started
   * from, as they stand in this transaction; undefined for a project not from the library.
   */
  async function vendorFactsOfInstance(q: Queryable, instanceId: string, snapshot?: { context?: unknown }): Promise<LibraryVendorFacts | undefined> {
    // the engine hands over the snapshot it holds; without it, the stored one is read
    const stored = snapshot ?? ((await q('workflow_instances').where({ id: instanceId }).select('snapshot').first()) as { snapshot: unknown } | undefined)?.snapshot;
    const parsed = typeof stored === 'string' ? parseJson<{ context?: unknown }>(stored) : (stored as { context?: unknown } | undefined);
    const entryId = (parsed?.context as { library?: { entryId?: unknown } } | undefined)?.library?.entryId;
    if (typeof entryId !== 'string') return undefined;
    const e = await find(entryId, q);
    return e ? { entryId: e.id, version: e.version, vendorIds: e.vendorIds } : undefined;
  }

  // ── Excel ──

  /** The whole library (retired entries too, marked) as one sheet an import reads back. */
  async function exportXlsx(): Promise<Buffer> {
    const rows = (await db('library_entries').whereNull('retired_at').orderBy([{ column: 'code' }])) as Array<Record<string, unknown>>;
    const vendors = await vendorIdsOf(db, rows.map((r) => r.id as string));
    const wb = new (await loadExcel()).Workbook();
    const ws = wb.addWorksheet('服务项目库 library');
    ws.addRow(SHEET_COLUMNS.map((c) => SHEET_HEADERS[c])).font = { bold: true };
    for (const r of rows) {
      const e = toEntry(r, vendors.get(r.id as string) ?? []);
      ws.addRow([e.code, e.name, e.category, e.type, e.unit, e.referenceFen / 100, e.ceilingFen / 100, e.description, e.validFrom, e.validTo, e.vendorIds.join(',')]);
    }
    ws.getColumn(6).numFmt = '#,##0.00';
    ws.getColumn(7).numFmt = '#,##0.00';
    ws.views = [{ state: 'frozen', ySplit: 1 }];
    return Buffer.from(await wb.xlsx.writeBuffer());
  }

  /** 元 in a cell (a number, or text like "1,234.50") → fen; NaN when it is not whole fen. */
  const yuanCell = (v: ExcelJS.CellValue): number => {
    const n = typeof v === 'number' ? v : Number(cellText(v).replace(/[,，\s¥￥]/g, ''));
    if (!Number.isFinite(n) || cellText(v).trim() === '') return Number.NaN;
    const f = Math.round(n * 100);
    return Math.abs(f - n * 100) < 1e-6 ? f : Number.NaN;
  };

  /**
   * Reads a sheet in the export's shape and applies it all or nothing: a row whose code exists is a
   * new version of that entry, any other a new entry. Any invalid row → 422 with one reason per
   * problem (LIBRARY_ROW_* {row, column}), and nothing is written.
   */
  async function importXlsx(user: User, buffer: Buffer): Promise<{ created: number; updated: number }> {
    requireAdmin(user);
    const wb = new (await loadExcel()).Workbook();
    try {
      await wb.xlsx.load(buffer as unknown as ArrayBuffer);
    } catch (err) {
      throw new InvalidError('not an Excel workbook', { fields: { file: 'validation.xlsx' }, reasons: [{ code: 'LIBRARY_FILE_UNREADABLE' }], cause: err });
    }
    const ws = wb.worksheets[0];
    if (!ws) throw new InvalidError('empty workbook', { fields: { file: 'validation.xlsx' }, reasons: [{ code: 'LIBRARY_FILE_UNREADABLE' }] });
    const reasons: Reason[] = [];
    const parsed: Array<{ row: number; entry: EntryInput }> = [];
    if (ws.rowCount > 2001) throw new InvalidError('too many rows', { fields: { file: 'validation.too_many' }, reasons: [{ code: 'LIBRARY_TOO_MANY_ROWS', params: { max: 2000 } }] });
    ws.eachRow({ includeEmpty: false }, (row, n) => {
      if (n === 1) return; // the headers
      const cells = SHEET_COLUMNS.map((_, i) => row.getCell(i + 1).value);
      if (cells.every((c) => cellText(c).trim() === '')) return;
      const raw = {
        code: cellText(cells[0]!).trim(), name: cellText(cells[1]!).trim(), category: cellText(cells[2]!).trim(), type: cellText(cells[3]!).trim(),
        unit: cellText(cells[4]!).trim(), referenceFen: yuanCell(cells[5]!), ceilingFen: yuanCell(cells[6]!), description: cellText(cells[7]!).trim(),
        validFrom: cellText(cells[8]!).trim(), validTo: cellText(cells[9]!).trim(),
        vendorIds: cellText(cells[10]!).split(/[,，;\s]+/).map((s) => s.trim()).filter(Boolean),
      };
      const r = EntrySchema.safeParse(raw);
      if (!r.success) {
        for (const issue of r.error.issues) {
          const path = String(issue.path[0] ?? 'code');
          const column = COLUMN_OF[path] ?? path;
          const code = issue.message === 'validation.ceilingBelowReference' ? 'LIBRARY_ROW_CEILING_BELOW_REFERENCE' : 'LIBRARY_ROW_INVALID';
          reasons.push({ code, params: { row: n, column: SHEET_HEADERS[column as (typeof SHEET_COLUMNS)[number]] ?? column } });
        }
      } else parsed.push({ row: n, entry: r.data });
    });
    const seen = new Map<string, number>();
    for (const p of parsed) {
      if (seen.has(p.entry.code)) reasons.push({ code: 'LIBRARY_ROW_DUPLICATE_CODE', params: { row: p.row, code: p.entry.code, first: seen.get(p.entry.code) } });
      else seen.set(p.entry.code, p.row);
    }
    if (parsed.length === 0 && reasons.length === 0) reasons.push({ code: 'LIBRARY_FILE_EMPTY' });
    return db.transaction(async (trx) => {
      const districtId = await districtOf(user, trx);
      const existing = new Map(((await trx('library_entries').where({ district_id: districtId }).select('id', 'code')) as Array<{ id: string; code: string }>).map((r) => [r.code, r.id]));
      for (const p of parsed) {
        const fields = await checkReferences(trx, p.entry, districtId, existing.get(p.entry.code));
        if (fields.category) reasons.push({ code: 'LIBRARY_ROW_UNKNOWN_CATEGORY', params: { row: p.row, category: p.entry.category } });
        if (fields.vendorIds) reasons.push({ code: 'LIBRARY_ROW_UNKNOWN_VENDOR', params: { row: p.row } });
      }
      if (reasons.length) {
        reasons.sort((a, b) => Number(a.params?.row ?? 0) - Number(b.params?.row ?? 0));
        throw new InvalidError(`${reasons.length} problem(s) in the sheet: nothing imported`, { fields: { file: 'validation.libraryImport' }, reasons: reasons.slice(0, 200) });
      }
      let created = 0;
      let updated = 0;
      for (const p of parsed) {
        const id = existing.get(p.entry.code);
        if (id) {
          // an entry the row does not change keeps its version (an export imported back changes nothing)
          const now = await find(id, trx);
          if (now && now.retiredAt === null && sameEntry(now, p.entry)) continue;
          await change(trx, id, p.entry);
          await trx('library_entries').where({ id }).update({ retired_at: null });
          updated++;
        } else {
          await insert(trx, user, p.entry, districtId);
          created++;
        }
      }
      return { created, updated };
    });
  }

  /** The facts `enrich` would put on an INVITE or AWARD of this project now (the invitation form's view). */
  const qualifiedNow = (instanceId: string) => vendorFactsOfInstance(db, instanceId);

  return { list, active, get, find, create, update, retire, startFacts, vendorFactsOfInstance, qualifiedNow, exportXlsx, importXlsx };
}

export type LibraryService = ReturnType<typeof createLibraryService>;
