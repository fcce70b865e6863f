// What the vendor pages, the invitation form and the JSON API ask about a vendor's performance
// record (issue 14, item 2): who may read it, the district's threshold, the record with its
// contracts paged, the status and its changes, and the district's list of flagged vendors. The
// figures come from vendor-performance.ts only; status changes go through vendor-status.ts.
import type { Db } from '../lib/db.js';
import { ForbiddenError } from '../errors.js';
import type { User } from '../auth/users.js';
import type { UserService } from '../auth/users.js';
import type { ReferenceService, Vendor } from '../reference/reference.js';
import type { RulesService } from '../rules/rules-service.js';
import type { VendorRecordThreshold } from '../../workflows/project/index.js';
import { emptyRecord, pageOf, type ContractLine, type Paged, type VendorPerformance, type VendorPerformanceService } from './vendor-performance.js';
import type { StatusChange, VendorStatusService } from './vendor-status.js';

/** Who reads vendors' records: the district, the streets, the admin; a vendor its own. */
export const RECORD_READERS = ['district', 'street', 'admin'] as const;

export interface RecordPage {
  vendor: Vendor;
  record: Omit<VendorPerformance, 'contracts'> & { contracts: Paged<ContractLine> };
  statusChanges: Array<StatusChange & { actorName: string }>;
  allowed: Awaited<ReturnType<VendorStatusService['allowed']>>;
  /** the flag is the district's: a vendor reading its own record does not get it */
  showFlag: boolean;
}

export function createVendorOverview(deps: {
  db: Db; reference: ReferenceService; rules: RulesService; users: UserService; performance: VendorPerformanceService; status: VendorStatusService;
}) {
  const { reference, rules, users, performance, status } = deps;

  function mayRead(user: User, vendorId: string): void {
    if ((RECORD_READERS as readonly string[]).includes(user.role)) return;
    if (user.role === 'vendor' && user.vendorId === vendorId) return;
    throw new ForbiddenError('only the district, streets, admins and the vendor itself read a vendor record', {
      reasons: [{ code: user.role === 'vendor' ? 'OUT_OF_SCOPE' : 'WRONG_ROLE' }],
    });
  }

  function mayList(user: User): void {
    if (!(RECORD_READERS as readonly string[]).includes(user.role)) throw new ForbiddenError('only the district, streets and admins list vendor records', { reasons: [{ code: 'WRONG_ROLE' }] });
  }

  /** The threshold of the rules in force in the user's district (or the first district). */
  async function threshold(districtId?: string | null): Promise<VendorRecordThreshold | null> {
    const id = districtId ?? (await reference.districts())[0]?.id;
    if (!id) return null;
    return (await rules.current(id)).vendorRecord ?? null;
  }

  async function names(ids: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const id of new Set(ids)) {
      try {
        out.set(id, (await users.get(id)).name);
      } catch {
        out.set(id, id === 'system' ? 'system' : id);
      }
    }
    return out;
  }

  /** One vendor's record page: the figures, the contracts paged, the status changes and what the user may send. */
  async function recordPage(user: User, vendorId: string, opts: { page?: number; pageSize?: number } = {}): Promise<RecordPage> {
    mayRead(user, vendorId);
    const vendor = await reference.vendor(vendorId);
    const r = await performance.record(vendorId, await threshold(user.districtId));
    const changes = await status.changes(vendorId);
    const who = await names(changes.map((c) => c.actorId));
    return {
      vendor,
      record: { ...r, contracts: pageOf(r.contracts, opts.page ?? 1, opts.pageSize ?? 20) },
      statusChanges: changes.map((c) => ({ ...c, actorName: who.get(c.actorId) ?? c.actorId })),
      allowed: await status.allowed(user, vendorId),
      showFlag: user.role !== 'vendor',
    };
  }

  /** Every vendor with its summary and flag (the district's list; `flagged` keeps the flagged ones). */
  async function list(user: User, opts: { flagged?: boolean } = {}): Promise<Array<{ vendor: Vendor; record: VendorPerformance }>> {
    mayList(user);
    const vendors = await reference.vendors();
    const records = await performance.all(vendors.map((v) => v.id), await threshold(user.districtId));
    const rows = vendors.map((v) => ({ vendor: v, record: records.get(v.id) ?? emptyRecord(v.id) }));
    return opts.flagged ? rows.filter((r) => r.record.flag.flagged) : rows;
  }

  /** The records of the vendors a form offers (the invitation and award forms), under the district's threshold. */
  async function lines(vendorIds: readonly string[], districtId?: string | null): Promise<Map<string, VendorPerformance>> {
    return performance.records(vendorIds, await threshold(districtId));
  }

  return { mayRead, threshold, recordPage, list, lines, change: status.change };
}

export type VendorOverview = ReturnType<typeof createVendorOverview>;
