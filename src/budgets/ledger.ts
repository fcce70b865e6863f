// The budget ledger (资金台账): per community and year, allocated = available + reserved + committed
// + spent, each ≥ 0 — enforced here by conditional updates and in the database by a CHECK. Every
// movement is also an entry row. All writes take the transition's transaction. A project draws on
// the allocation of its budget year, whenever the movement happens: what it still holds at the
// year's end is carried over (结转), and a payment the next year spends that year's money.
import { z } from 'zod';
import { MAX_AMOUNT_FEN } from '../../workflows/shared/money.js';
import { ConflictError, ForbiddenError, InsufficientBudgetError, InvalidError, parseOr422 } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { appendRows, type Db, type Queryable, type Trx } from '../lib/db.js';
import type { User } from '../auth/users.js';
import { createReferenceService } from '../reference/reference.js';

export interface Allocation {
  communityId: string;
  year: number;
  allocatedFen: number;
  reservedFen: number;
  committedFen: number;
  spentFen: number;
  availableFen: number;
}

interface ProjectKey {
  projectId: string;
  communityId: string;
  /** the project's budget year */
  year: number;
}

const toAllocation = (r: Record<string, unknown>): Allocation => {
  const a = { allocated: Number(r.allocated_fen), reserved: Number(r.reserved_fen), committed: Number(r.committed_fen), spent: Number(r.spent_fen) };
  return {
    communityId: r.community_id as string, year: Number(r.year), allocatedFen: a.allocated, reservedFen: a.reserved,
    committedFen: a.committed, spentFen: a.spent, availableFen: a.allocated - a.reserved - a.committed - a.spent,
  };
};

/** A movement's entry; inside a transition it is written with the transition's grouped write (src/lib/db.ts). */
async function entry(trx: Trx, k: ProjectKey | { communityId: string; year: number; projectId?: null }, kind: string, fen: number, at: string, note?: string) {
  await appendRows(trx, 'ledger_entries', [{ community_id: k.communityId, year: k.year, project_id: k.projectId ?? null, kind, fen, at, note: note ?? null }]);
}

function assertAmount(fen: number) {
  if (!Number.isSafeInteger(fen) || fen < 0) throw new InvalidError('amount must be a non-negative integer of fen', { fields: { amountFen: 'validation.fen' } });
}

export function createLedger(deps: { db: Db; clock: Clock }) {
  const { db } = deps;

  async function projectKey(trx: Queryable, projectId: string): Promise<ProjectKey> {
    const p = await trx('projects').where({ id: projectId }).first('community_id', 'year', 'budget_year');
    if (!p) throw new ConflictError(`project ${projectId} has no read-model row`);
    return { projectId, communityId: p.community_id, year: Number(p.budget_year ?? p.year) };
  }

  async function projectBalance(trx: Queryable, projectId: string) {
    const r = await trx('project_ledger').where({ project_id: projectId }).first();
    return { reservedFen: Number(r?.reserved_fen ?? 0), committedFen: Number(r?.committed_fen ?? 0), spentFen: Number(r?.spent_fen ?? 0) };
  }

  async function ensureProjectRow(trx: Trx, projectId: string) {
    const r = await trx('project_ledger').where({ project_id: projectId }).first();
    if (!r) await trx('project_ledger').insert({ project_id: projectId });
  }

  /** Reserves money on budget approval. Refused with INSUFFICIENT_BUDGET when the allocation is short. */
  async function reserve(trx: Trx, projectId: string, fen: number, at: string): Promise<void> {
    assertAmount(fen);
    const k = await projectKey(trx, projectId);
    // One conditional UPDATE: atomic on both databases, so concurrent approvals cannot overdraw.
    const n = await trx('allocations')
      .where({ community_id: k.communityId, year: k.year })
      .andWhereRaw('allocated_fen - reserved_fen - committed_fen - spent_fen >= ?', [fen])
      .update({ reserved_fen: trx.raw('reserved_fen + ?', [fen]) });
    if (n !== 1) {
      const a = await trx('allocations').where({ community_id: k.communityId, year: k.year }).first();
      const available = a ? toAllocation(a).availableFen : 0;
      throw new InsufficientBudgetError(`allocation ${k.communityId}/${k.year} has ${available} fen available, ${fen} needed`, {
        reasons: [{ code: 'INSUFFICIENT_BUDGET', params: { availableFen: available, neededFen: fen, year: k.year } }],
      });
    }
    await ensureProjectRow(trx, projectId);
    await trx('project_ledger').where({ project_id: projectId }).update({ reserved_fen: trx.raw('reserved_fen + ?', [fen]) });
    await entry(trx, k, 'reserve', fen, at);
  }

  /** On contract confirmation: the contract amount moves from reserved to committed; the rest is released. */
  async function commit(trx: Trx, projectId: string, contractFen: number, at: string): Promise<void> {
    assertAmount(contractFen);
    const k = await projectKey(trx, projectId);
    const bal = await projectBalance(trx, projectId);
    if (contractFen > bal.reservedFen) {
      throw new InsufficientBudgetError('contract above the reserved amount', { reasons: [{ code: 'CONTRACT_ABOVE_RESERVED', params: { reservedFen: bal.reservedFen, contractFen } }] });
    }
    const release = bal.reservedFen - contractFen;
    await trx('allocations').where({ community_id: k.communityId, year: k.year }).update({
      reserved_fen: trx.raw('reserved_fen - ?', [bal.reservedFen]),
      committed_fen: trx.raw('committed_fen + ?', [contractFen]),
    });
    await trx('project_ledger').where({ project_id: projectId }).update({ reserved_fen: 0, committed_fen: trx.raw('committed_fen + ?', [contractFen]) });
    await entry(trx, k, 'commit', contractFen, at);
    if (release > 0) await entry(trx, k, 'release', release, at, 'reserved − contract');
  }

  /** A payment: committed money becomes spent. */
  async function spend(trx: Trx, projectId: string, fen: number, at: string, note?: string): Promise<void> {
    assertAmount(fen);
    const k = await projectKey(trx, projectId);
    const n = await trx('project_ledger').where({ project_id: projectId }).andWhere('committed_fen', '>=', fen).update({
      committed_fen: trx.raw('committed_fen - ?', [fen]),
      spent_fen: trx.raw('spent_fen + ?', [fen]),
    });
    if (n !== 1) throw new InsufficientBudgetError('payment above the committed amount', { reasons: [{ code: 'PAYMENT_ABOVE_COMMITTED', params: { fen } }] });
    await trx('allocations').where({ community_id: k.communityId, year: k.year }).update({
      committed_fen: trx.raw('committed_fen - ?', [fen]),
      spent_fen: trx.raw('spent_fen + ?', [fen]),
    });
    await entry(trx, k, 'spend', fen, at, note);
  }

  /** On cancellation (or closing with money left): whatever is reserved or committed goes back. */
  async function releaseAll(trx: Trx, projectId: string, at: string, note?: string): Promise<number> {
    const k = await projectKey(trx, projectId);
    const bal = await projectBalance(trx, projectId);
    const total = bal.reservedFen + bal.committedFen;
    if (total === 0) return 0;
    await trx('allocations').where({ community_id: k.communityId, year: k.year }).update({
      reserved_fen: trx.raw('reserved_fen - ?', [bal.reservedFen]),
      committed_fen: trx.raw('committed_fen - ?', [bal.committedFen]),
    });
    await trx('project_ledger').where({ project_id: projectId }).update({ reserved_fen: 0, committed_fen: 0 });
    await entry(trx, k, 'release', total, at, note);
    return total;
  }

  /**
   * The amount is a number of fen, never a string read as one: the admin form converts decimal yuan
   * with parseYuan and hands over what it cannot read as typed, so '0x10' or '1e3' is refused here
   * instead of becoming 16 fen or ¥10. The year is a number or its four decimal digits.
   */
  const AllocationSchema = z.object({
    communityId: z.string().min(1, 'validation.required'),
    year: z.preprocess(
      (v) => (typeof v === 'string' && /^\s*\d{4}\s*$/.test(v) ? Number(v) : v),
      z.number({ error: 'validation.year' }).int('validation.year').min(2000, 'validation.year').max(2100, 'validation.year'),
    ),
    allocatedFen: z.number({ error: 'validation.fen' }).int('validation.fen').min(0, 'validation.fen').max(MAX_AMOUNT_FEN, 'validation.fen'),
  });

  /** Sets a community's allocation for a year; it may not drop below what is already used. */
  async function setAllocation(input: unknown, at: string, q?: Trx): Promise<Allocation> {
    const { communityId, year, allocatedFen } = parseOr422(AllocationSchema, input, 'invalid allocation');
    const run = async (trx: Trx) => {
      // An unknown community is the caller's mistake (422 naming the field), never a foreign-key failure.
      if (!(await trx('communities').where({ id: communityId }).first('id'))) {
        throw new InvalidError('unknown community', { fields: { communityId: 'validation.community' } });
      }
      const cur = await trx('allocations').where({ community_id: communityId, year }).first();
      if (!cur) {
        await trx('allocations').insert({ community_id: communityId, year, allocated_fen: allocatedFen });
      } else {
        const used = Number(cur.reserved_fen) + Number(cur.committed_fen) + Number(cur.spent_fen);
        if (allocatedFen < used) {
          throw new ConflictError('allocation below what is already used', { reasons: [{ code: 'ALLOCATION_BELOW_USED', params: { usedFen: used } }] });
        }
        await trx('allocations').where({ community_id: communityId, year }).update({ allocated_fen: allocatedFen });
      }
      await entry(trx, { communityId, year }, 'allocate', allocatedFen, at);
      return toAllocation((await trx('allocations').where({ community_id: communityId, year }).first())!);
    };
    return q ? run(q) : db.transaction(run);
  }

  async function allocations(filter: { year?: number; communityId?: string; communityIds?: string[] } = {}, q: Queryable = db): Promise<Allocation[]> {
    const query = q('allocations').orderBy(['year', 'community_id']);
    if (filter.year !== undefined) query.where('year', filter.year);
    if (filter.communityId) query.where('community_id', filter.communityId);
    if (filter.communityIds) query.whereIn('community_id', filter.communityIds);
    return (await query).map(toAllocation);
  }

  /**
   * The allocations this user may see, for pages and the API alike: vendors none (WRONG_ROLE);
   * community staff their community's; street staff their street's communities'; district, finance
   * and admin the whole district's.
   */
  async function visibleAllocations(user: Pick<User, 'role' | 'communityId' | 'streetId'>, filter: { year?: number; communityId?: string } = {}): Promise<Allocation[]> {
    if (user.role === 'vendor') throw new ForbiddenError('vendors do not see allocations', { reasons: [{ code: 'WRONG_ROLE' }] });
    let communityIds: string[] | undefined;
    if (user.role === 'community') communityIds = [user.communityId ?? '-'];
    // Which communities a street has is reference data: asked of its owner, not read here.
    if (user.role === 'street') communityIds = (await createReferenceService(deps).communities()).filter((c) => c.streetId === (user.streetId ?? '-')).map((c) => c.id);
    return allocations({ ...filter, ...(communityIds ? { communityIds } : {}) });
  }

  async function entries(filter: { projectId?: string; communityId?: string; year?: number }, q: Queryable = db) {
    const query = q('ledger_entries').orderBy('id');
    if (filter.projectId) query.where('project_id', filter.projectId);
    if (filter.communityId) query.where('community_id', filter.communityId);
    if (filter.year !== undefined) query.where('year', filter.year);
    return (await query).map((r) => ({ id: Number(r.id), communityId: r.community_id, year: Number(r.year), projectId: r.project_id, kind: r.kind, fen: Number(r.fen), note: r.note, at: r.at }));
  }

  /**
   * Rebuilds every allocation from its entries and compares: a balance edited behind the ledger's
   * back shows up. The entries give allocated (the latest `allocate`), spent (Σ spend) and what is
   * still held (Σ reserve − Σ release − Σ spend = reserved + committed); the per-project rows must
   * add up to the same. (Reserved and committed are not told apart by the entries, only their sum.)
   */
  async function audit(q: Queryable = db): Promise<Array<{ communityId: string; year: number; problem: string }>> {
    const problems: Array<{ communityId: string; year: number; problem: string }> = [];
    const entriesBy = new Map<string, { allocated: number | null; reserve: number; release: number; spend: number }>();
    for (const e of await q('ledger_entries').orderBy('id')) {
      const k = `${e.community_id}|${e.year}`;
      const acc = entriesBy.get(k) ?? { allocated: null, reserve: 0, release: 0, spend: 0 };
      const fen = Number(e.fen);
      if (e.kind === 'allocate') acc.allocated = fen;
      else if (e.kind === 'reserve') acc.reserve += fen;
      else if (e.kind === 'release') acc.release += fen;
      else if (e.kind === 'spend') acc.spend += fen;
      entriesBy.set(k, acc);
    }
    const projectSums = new Map<string, { held: number; spent: number }>();
    for (const r of await q('project_ledger').join('projects', 'projects.id', 'project_ledger.project_id').select('projects.community_id', 'projects.year', 'projects.budget_year', 'project_ledger.*')) {
      const k = `${r.community_id}|${r.budget_year ?? r.year}`;
      const acc = projectSums.get(k) ?? { held: 0, spent: 0 };
      acc.held += Number(r.reserved_fen) + Number(r.committed_fen);
      acc.spent += Number(r.spent_fen);
      projectSums.set(k, acc);
    }
    for (const a of await allocations({}, q)) {
      const k = `${a.communityId}|${a.year}`;
      const e = entriesBy.get(k) ?? { allocated: null, reserve: 0, release: 0, spend: 0 };
      const p = projectSums.get(k) ?? { held: 0, spent: 0 };
      const held = a.reservedFen + a.committedFen;
      const fail = (problem: string) => problems.push({ communityId: a.communityId, year: a.year, problem });
      if (e.allocated !== a.allocatedFen) fail(`allocated ${a.allocatedFen} fen, the entries say ${e.allocated ?? 'nothing'}`);
      if (e.spend !== a.spentFen) fail(`spent ${a.spentFen} fen, the entries say ${e.spend}`);
      if (e.reserve - e.release - e.spend !== held) fail(`reserved + committed ${held} fen, the entries say ${e.reserve - e.release - e.spend}`);
      if (p.held !== held || p.spent !== a.spentFen) fail(`the projects hold ${p.held} and spent ${p.spent} fen, the allocation says ${held} and ${a.spentFen}`);
    }
    return problems;
  }

  return { reserve, commit, spend, releaseAll, setAllocation, allocations, visibleAllocations, entries, projectBalance, audit };
}

export type Ledger = ReturnType<typeof createLedger>;
