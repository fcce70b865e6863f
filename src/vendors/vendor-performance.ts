// A vendor's performance record (履约记录, issue 14 item 2): its contracts and whether it asked for
// acceptance by the contract's due date, the deliveries refused (拒收) and rectifications (整改) of its
// work, its acceptance results and evaluation scores with their average per quarter — all computed
// from the projects' history (workflow_history), the one source the pages, the invitation form and
// the JSON API read through this module. The district's rules (`vendorRecord`) flag a record below
// their threshold.
//
// Words: a *contract* is a project whose CONFIRM_CONTRACT is in its history, with the last
// SIGN_CONTRACT before it (contract no, amount, dueOn) and the vendor of the last AWARD; *on time* =
// its REQUEST_ACCEPTANCE came on or before dueOn in Asia/Shanghai calendar days; *days late* = the
// calendar days after dueOn (0 when on time). A *dispute* is a DISPUTE_DELIVERY; a *rectification*
// each entry into `rectification` (a failed RECORD_ACCEPTANCE, or an objection upheld at the
// acceptance notice); an *acceptance* a RECORD_ACCEPTANCE; an *evaluation* a RECORD_EVALUATION.
import type { Db, Queryable } from '../lib/db.js';
import { parseJson } from '../lib/db.js';
import { shanghaiDate } from '../lib/calendar.js';
import type { Clock } from '../lib/clock.js';
import type { Reason } from '../errors.js';
import type { VendorRecordThreshold } from '../../workflows/project/index.js';

/** The history rows the record is computed from. */
export const RECORD_EVENT_TYPES = [
  'AWARD', 'SIGN_CONTRACT', 'CONFIRM_CONTRACT', 'REQUEST_ACCEPTANCE', 'DISPUTE_DELIVERY', 'RECORD_ACCEPTANCE', 'UPHOLD_OBJECTION', 'RECORD_EVALUATION',
] as const;

export interface HistoryFact {
  projectId: string;
  ref: string;
  title: string;
  state: string;
  seq: number;
  type: string;
  payload: Record<string, unknown>;
  from: string | null;
  to: string;
  at: string;
}

export interface ContractLine {
  projectId: string;
  ref: string;
  title: string;
  state: string;
  contractNo: string;
  amountFen: number;
  dueOn: string;
  signedAt: string;
  confirmedAt: string;
  /** when the vendor sent REQUEST_ACCEPTANCE (null: not yet) */
  acceptanceRequestedAt: string | null;
  /** calendar days after dueOn (Asia/Shanghai), 0 when on time; null before REQUEST_ACCEPTANCE */
  daysLate: number | null;
  onTime: boolean | null;
}

export interface DisputeLine { projectId: string; ref: string; title: string; at: string; itemId: string; quantity: number | null; reason: string }
export interface RectificationLine { projectId: string; ref: string; title: string; at: string; cause: 'acceptance_failed' | 'objection_upheld' }
export interface AcceptanceLine { projectId: string; ref: string; title: string; at: string; passed: boolean; satisfactionPct: number | null }
export interface EvaluationLine { projectId: string; ref: string; title: string; at: string; score: number; grade: string }
export interface QuarterLine { quarter: string; evaluations: number; averageScore: number | null; acceptances: number; passed: number }

export interface PerformanceSummary {
  contracts: number;
  contractFen: number;
  /** contracts whose acceptance was requested */
  requested: number;
  onTime: number;
  /** onTime / requested (null when none was requested) */
  onTimeShare: number | null;
  /** contracts past dueOn (as of today) whose acceptance is not requested yet */
  overdueOpen: number;
  disputes: number;
  rectifications: number;
  acceptances: number;
  acceptancesPassed: number;
  evaluations: number;
  averageScore: number | null;
}

export interface Flag {
  flagged: boolean;
  /** VENDOR_LOW_SCORE {average, min} · VENDOR_OFTEN_LATE {sharePct, minPct} */
  reasons: Reason[];
  threshold: VendorRecordThreshold | null;
}

export interface VendorPerformance {
  vendorId: string;
  summary: PerformanceSummary;
  contracts: ContractLine[];
  disputes: DisputeLine[];
  rectifications: RectificationLine[];
  acceptances: AcceptanceLine[];
  evaluations: EvaluationLine[];
  byQuarter: QuarterLine[];
  flag: Flag;
}

/** Whole days from a to b (YYYY-MM-DD). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** 2026-Q3 for an instant, in Asia/Shanghai. */
export function quarterOf(iso: string): string {
  const d = shanghaiDate(iso);
  return `${d.slice(0, 4)}-Q${Math.floor((Number(d.slice(5, 7)) - 1) / 3) + 1}`;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

/** Which threshold a record fails (none: not flagged; no threshold: never flagged). */
export function flagOf(s: PerformanceSummary, threshold: VendorRecordThreshold | null | undefined): Flag {
  if (!threshold) return { flagged: false, reasons: [], threshold: null };
  const reasons: Reason[] = [];
  if (s.contracts >= threshold.minContracts) {
    if (s.averageScore !== null && s.averageScore < threshold.minAverageScore) {
      reasons.push({ code: 'VENDOR_LOW_SCORE', params: { average: s.averageScore, min: threshold.minAverageScore } });
    }
    if (s.onTimeShare !== null && s.onTimeShare < threshold.minOnTimeShare) {
      reasons.push({ code: 'VENDOR_OFTEN_LATE', params: { sharePct: Math.round(s.onTimeShare * 100), minPct: Math.round(threshold.minOnTimeShare * 100) } });
    }
  }
  return { flagged: reasons.length > 0, reasons, threshold };
}

/**
 * The records of vendors from their projects' history rows (every row of RECORD_EVENT_TYPES of each
 * project, in seq order per project). Pure: `today` (YYYY-MM-DD, Asia/Shanghai) dates the overdue count.
 */
export function performanceFrom(facts: readonly HistoryFact[], today: string, threshold?: VendorRecordThreshold | null): Map<string, VendorPerformance> {
  const byProject = new Map<string, HistoryFact[]>();
  for (const f of facts) {
    const l = byProject.get(f.projectId);
    if (l) l.push(f);
    else byProject.set(f.projectId, [f]);
  }
  const out = new Map<string, VendorPerformance>();
  const recordOf = (vendorId: string): VendorPerformance => {
    let r = out.get(vendorId);
    if (!r) {
      r = { vendorId, summary: emptySummary(), contracts: [], disputes: [], rectifications: [], acceptances: [], evaluations: [], byQuarter: [], flag: { flagged: false, reasons: [], threshold: null } };
      out.set(vendorId, r);
    }
    return r;
  };
  for (const rows of byProject.values()) {
    rows.sort((a, b) => a.seq - b.seq);
    let vendorId: string | null = null;
    let signed: HistoryFact | null = null;
    let contract: ContractLine | null = null;
    for (const f of rows) {
      const p = { projectId: f.projectId, ref: f.ref, title: f.title };
      if (f.type === 'AWARD') vendorId = str(f.payload.vendorId) || null;
      if (vendorId === null) continue;
      const r = recordOf(vendorId);
      switch (f.type) {
        case 'SIGN_CONTRACT':
          signed = f;
          break;
        case 'CONFIRM_CONTRACT':
          if (signed) {
            contract = {
              ...p, state: f.state, contractNo: str(signed.payload.contractNo), amountFen: num(signed.payload.amountFen) ?? 0, dueOn: str(signed.payload.dueOn),
              signedAt: signed.at, confirmedAt: f.at, acceptanceRequestedAt: null, daysLate: null, onTime: null,
            };
            r.contracts.push(contract);
          }
          break;
        case 'REQUEST_ACCEPTANCE':
          if (contract && contract.acceptanceRequestedAt === null) {
            contract.acceptanceRequestedAt = f.at;
            const late = daysBetween(contract.dueOn, shanghaiDate(f.at));
            contract.daysLate = Math.max(0, late);
            contract.onTime = late <= 0;
          }
          break;
        case 'DISPUTE_DELIVERY':
          r.disputes.push({ ...p, at: f.at, itemId: str(f.payload.itemId), quantity: num(f.payload.quantity), reason: str(f.payload.reason) });
          break;
        case 'RECORD_ACCEPTANCE':
          r.acceptances.push({ ...p, at: f.at, passed: f.payload.passed === true && f.to !== 'rectification', satisfactionPct: num(f.payload.satisfactionPct) });
          break;
        case 'RECORD_EVALUATION': {
          const score = num(f.payload.score);
          if (score !== null) r.evaluations.push({ ...p, at: f.at, score, grade: str(f.payload.grade) });
          break;
        }
        default:
          break;
      }
      if (f.to === 'rectification' && f.from !== 'rectification') {
        r.rectifications.push({ ...p, at: f.at, cause: f.type === 'UPHOLD_OBJECTION' ? 'objection_upheld' : 'acceptance_failed' });
      }
    }
  }
  for (const r of out.values()) {
    const s = r.summary;
    s.contracts = r.contracts.length;
    s.contractFen = r.contracts.reduce((n, c) => n + c.amountFen, 0);
    s.requested = r.contracts.filter((c) => c.onTime !== null).length;
    s.onTime = r.contracts.filter((c) => c.onTime === true).length;
    s.onTimeShare = s.requested ? s.onTime / s.requested : null;
    s.overdueOpen = r.contracts.filter((c) => c.onTime === null && c.dueOn !== '' && c.dueOn < today && c.state !== 'cancelled').length;
    s.disputes = r.disputes.length;
    s.rectifications = r.rectifications.length;
    s.acceptances = r.acceptances.length;
    s.acceptancesPassed = r.acceptances.filter((a) => a.passed).length;
    s.evaluations = r.evaluations.length;
    s.averageScore = s.evaluations ? round(r.evaluations.reduce((n, e) => n + e.score, 0) / s.evaluations, 1) : null;
    const quarters = new Map<string, { scores: number[]; acceptances: number; passed: number }>();
    const q = (at: string) => {
      const k = quarterOf(at);
      let v = quarters.get(k);
      if (!v) quarters.set(k, (v = { scores: [], acceptances: 0, passed: 0 }));
      return v;
    };
    for (const e of r.evaluations) q(e.at).scores.push(e.score);
    for (const a of r.acceptances) {
      const v = q(a.at);
      v.acceptances++;
      if (a.passed) v.passed++;
    }
    r.byQuarter = [...quarters.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([quarter, v]) => ({
      quarter, evaluations: v.scores.length, averageScore: v.scores.length ? round(v.scores.reduce((n, x) => n + x, 0) / v.scores.length, 1) : null, acceptances: v.acceptances, passed: v.passed,
    }));
    // newest first, as the pages list them
    r.contracts.sort((a, b) => (a.signedAt < b.signedAt ? 1 : a.signedAt > b.signedAt ? -1 : a.projectId < b.projectId ? 1 : -1));
    for (const l of [r.disputes, r.rectifications, r.acceptances, r.evaluations] as Array<Array<{ at: string }>>) l.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
    r.flag = flagOf(s, threshold);
  }
  return out;
}

function emptySummary(): PerformanceSummary {
  return { contracts: 0, contractFen: 0, requested: 0, onTime: 0, onTimeShare: null, overdueOpen: 0, disputes: 0, rectifications: 0, acceptances: 0, acceptancesPassed: 0, evaluations: 0, averageScore: null };
}

/** A page of a list, counted truly. */
export interface Paged<T> { items: T[]; total: number; page: number; pageSize: number; pages: number }

export function pageOf<T>(list: readonly T[], page: number, pageSize: number): Paged<T> {
  const size = Math.min(Math.max(1, Math.trunc(pageSize) || 20), 200);
  const pages = Math.max(1, Math.ceil(list.length / size));
  const p = Math.min(Math.max(1, Math.trunc(page) || 1), pages);
  return { items: list.slice((p - 1) * size, p * size), total: list.length, page: p, pageSize: size, pages };
}

export function createVendorPerformance(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;
  const PAGE = 500;

  /**
   * The history facts of the projects awarded to these vendors (all vendors with any award when
   * `vendorIds` is undefined), read in pages of projects so memory stays bounded by the answer.
   */
  async function facts(vendorIds: readonly string[] | undefined, q: Queryable = db): Promise<HistoryFact[]> {
    if (vendorIds && vendorIds.length === 0) return [];
    const out: HistoryFact[] = [];
    for (let after = ''; ;) {
      const projects = q('projects').whereNotNull('vendor_id').andWhere('id', '>', after).orderBy('id').limit(PAGE).select('id', 'ref', 'title', 'state');
      if (vendorIds) projects.whereIn('vendor_id', [...new Set(vendorIds)]);
      const ps = (await projects) as Array<{ id: string; ref: string; title: string; state: string }>;
      if (ps.length === 0) return out;
      const byId = new Map(ps.map((p) => [p.id, p]));
      const rows = await q('workflow_history').whereIn('instance_id', ps.map((p) => p.id)).whereIn('type', [...RECORD_EVENT_TYPES])
        .orderBy(['instance_id', 'seq']).select('instance_id', 'seq', 'type', 'payload', 'from_state', 'to_state', 'at');
      for (const r of rows as Array<Record<string, unknown>>) {
        const p = byId.get(r.instance_id as string)!;
        out.push({
          projectId: p.id, ref: p.ref, title: p.title, state: p.state, seq: Number(r.seq), type: r.type as string,
          payload: parseJson<Record<string, unknown>>(r.payload), from: (r.from_state as string | null) ?? null, to: r.to_state as string, at: r.at as string,
        });
      }
      if (ps.length < PAGE) return out;
      after = ps.at(-1)!.id;
    }
  }

  const today = () => shanghaiDate(clock.now().toISOString());

  /** The records of these vendors (every vendor asked for has one, empty when it holds no contract). */
  async function records(vendorIds: readonly string[], threshold?: VendorRecordThreshold | null, q: Queryable = db): Promise<Map<string, VendorPerformance>> {
    const all = performanceFrom(await facts(vendorIds, q), today(), threshold);
    return new Map(vendorIds.map((id) => [id, all.get(id) ?? emptyRecord(id, threshold)]));
  }

  /** One vendor's record. */
  async function record(vendorId: string, threshold?: VendorRecordThreshold | null, q: Queryable = db): Promise<VendorPerformance> {
    return (await records([vendorId], threshold, q)).get(vendorId)!;
  }

  /** Every vendor's record (the district's list), for the vendors given. */
  async function all(vendorIds: readonly string[], threshold?: VendorRecordThreshold | null, q: Queryable = db): Promise<Map<string, VendorPerformance>> {
    const computed = performanceFrom(await facts(undefined, q), today(), threshold);
    return new Map(vendorIds.map((id) => [id, computed.get(id) ?? emptyRecord(id, threshold)]));
  }

  return { facts, records, record, all };
}

export function emptyRecord(vendorId: string, threshold?: VendorRecordThreshold | null): VendorPerformance {
  const summary = emptySummary();
  return { vendorId, summary, contracts: [], disputes: [], rectifications: [], acceptances: [], evaluations: [], byQuarter: [], flag: flagOf(summary, threshold) };
}

export type VendorPerformanceService = ReturnType<typeof createVendorPerformance>;
