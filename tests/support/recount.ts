// Report figures recomputed from the history events alone (issue 11: "the report totals equal
// figures recomputed from the history events themselves, not from the tables the report reads").
import { expect } from 'vitest';
import type { TestApp } from './app.js';
import { api, U } from './lifecycle.js';

export interface HistoryRow { instance_id: string; seq: number; type: string; from_state: string | null; to_state: string; payload: string }

export /** Per main group of budget year `year`, from the history events alone: confirmed projects, approved and paid fen. */
function fromHistory(history: HistoryRow[], year: number): Map<string, { confirmed: number; approvedFen: number; paidFen: number }> {
  const byProject = new Map<string, HistoryRow[]>();
  for (const h of history) byProject.set(h.instance_id, [...(byProject.get(h.instance_id) ?? []), h]);
  const out = new Map<string, { confirmed: number; approvedFen: number; paidFen: number }>();
  for (const rows of byProject.values()) {
    rows.sort((a, b) => a.seq - b.seq);
    const input = (JSON.parse(rows[0]!.payload) as { input: { mainGroup?: string; budgetYear?: number } }).input;
    if (input.budgetYear !== year || !input.mainGroup) continue;
    let approved: number | null = null;
    let paid = 0;
    for (const h of rows) {
      const p = JSON.parse(h.payload) as { approvedFen?: number; amountFen?: number };
      if (h.type === 'APPROVE_BUDGET') approved = p.approvedFen!;
      if (h.type === 'UPHOLD_OBJECTION' && h.from_state === 'confirmation_objection_review') approved = null;
      if (h.type === 'RECORD_PAYMENT' || h.type === 'RELEASE_RETENTION') paid += p.amountFen!;
    }
    const g = out.get(input.mainGroup) ?? { confirmed: 0, approvedFen: 0, paidFen: 0 };
    const last = rows.at(-1)!.to_state;
    if (approved !== null && !['cancelled', 'rejected', 'withdrawn'].includes(last)) {
      g.confirmed++;
      g.approvedFen += approved;
    }
    g.paidFen += paid;
    out.set(input.mainGroup, g);
  }
  return out;
}

/** The summary by group of budget year `year`, as the district sees it, equals the history's own figures. */
export async function expectReportMatchesHistory(app: TestApp, year: number): Promise<void> {
  const history = (await app.deps.db('workflow_history').select('instance_id', 'seq', 'type', 'from_state', 'to_state', 'payload')) as HistoryRow[];
  const expected = fromHistory(history, year);
  const res = await api(app).get(U.district, `/reports/summary?year=${year}&groupBy=group&pageSize=200`);
  expect(res.status).toBe(200);
  const rows = res.body.rows as Array<{ key: string; confirmed: number; approvedFen: number; paidFen: number }>;
  expect(rows.length).toBeGreaterThan(0);
  for (const r of rows) {
    const e = expected.get(r.key) ?? { confirmed: 0, approvedFen: 0, paidFen: 0 };
    expect({ key: r.key, confirmed: r.confirmed, approvedFen: r.approvedFen, paidFen: r.paidFen }).toEqual({ key: r.key, ...e });
  }
  const sum = (k: 'confirmed' | 'approvedFen' | 'paidFen') => [...expected.values()].reduce((s, g) => s + g[k], 0);
  expect(res.body.totals).toMatchObject({ confirmed: sum('confirmed'), approvedFen: sum('approvedFen'), paidFen: sum('paidFen') });
}
