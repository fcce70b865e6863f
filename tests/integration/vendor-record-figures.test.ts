// A vendor's performance record (issue 14, item 2): its figures equal those computed directly from
// the history of generated projects, on every database. The demo district and a small generated
// year run through the real engine; this test recounts every vendor's contracts, on-time acceptance
// requests, refused deliveries, rectifications, acceptances and evaluation scores from the
// workflow_history rows on its own (not through src/vendors/vendor-performance.ts), then compares
// them with what the module, the JSON API (paged) and the pages say.
import { afterEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/lib/clock.js';
import { STORY_SPAN_MS } from '../../src/demo/stories.js';
import { generateYear, storiesStartFor } from '../../src/demo/year.js';
import { verifyAll } from '../../src/engine/verify.js';
import { GENERATOR_KINDS } from '../support/db.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { U } from '../support/lifecycle.js';
import { agentFor } from '../http/pages-helpers.js';
import { auditVendorStatus } from '../../src/vendors/vendor-status.js';
import type { User } from '../../src/auth/users.js';

interface Row { instance_id: string; seq: number | string; type: string; from_state: string | null; to_state: string; payload: unknown; at: string }

interface Expected {
  contracts: number; contractFen: number; requested: number; onTime: number; disputes: number; rectifications: number;
  acceptances: number; acceptancesPassed: number; scores: number[]; daysLate: number[];
}

/** The Asia/Shanghai calendar day of an instant (UTC+8, no daylight saving). */
const shanghaiDay = (iso: string) => new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 10);
const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as Record<string, unknown>;

/** Each vendor's figures, straight from the history rows of every project. */
function recount(rows: Row[]): Map<string, Expected> {
  const out = new Map<string, Expected>();
  const of = (v: string) => {
    if (!out.has(v)) out.set(v, { contracts: 0, contractFen: 0, requested: 0, onTime: 0, disputes: 0, rectifications: 0, acceptances: 0, acceptancesPassed: 0, scores: [], daysLate: [] });
    return out.get(v)!;
  };
  const byInstance = new Map<string, Row[]>();
  for (const r of rows) byInstance.set(r.instance_id, [...(byInstance.get(r.instance_id) ?? []), r]);
  for (const list of byInstance.values()) {
    list.sort((a, b) => Number(a.seq) - Number(b.seq));
    let vendor: string | undefined;
    let signed: Record<string, unknown> | undefined;
    let dueOn: string | undefined;
    let requested = false;
    for (const r of list) {
      const p = json(r.payload);
      if (r.type === 'AWARD') vendor = p.vendorId as string;
      if (!vendor) continue;
      const e = of(vendor);
      if (r.type === 'SIGN_CONTRACT') signed = p;
      if (r.type === 'CONFIRM_CONTRACT' && signed) {
        e.contracts++;
        e.contractFen += Number(signed.amountFen);
        dueOn = signed.dueOn as string;
      }
      if (r.type === 'REQUEST_ACCEPTANCE' && dueOn && !requested) {
        requested = true;
        e.requested++;
        const late = (Date.parse(shanghaiDay(r.at)) - Date.parse(dueOn)) / 86_400_000;
        if (late <= 0) e.onTime++;
        e.daysLate.push(Math.max(0, late));
      }
      if (r.type === 'DISPUTE_DELIVERY') e.disputes++;
      if (r.to_state === 'rectification' && r.from_state !== 'rectification') e.rectifications++;
      if (r.type === 'RECORD_ACCEPTANCE') {
        e.acceptances++;
        if (p.passed === true && r.to_state !== 'rectification') e.acceptancesPassed++;
      }
      if (r.type === 'RECORD_EVALUATION') e.scores.push(Number(p.score));
    }
  }
  return out;
}

describe.each(GENERATOR_KINDS)("vendors' performance records from a generated year on %s", (kind) => {
  let a: TestApp | undefined;
  afterEach(async () => {
    await a?.close();
  });

  it("when a year of projects is generated through the engine, then every vendor's record equals what its projects' history says, through the module, the API (paged) and the pages", async () => {
    const projects = kind === 'better-sqlite3' ? 30 : 20;
    a = await createTestApp({ kind, seed: false, start: new Date(storiesStartFor(2021, STORY_SPAN_MS)).toISOString() });
    const { deps, clock } = a;
    await deps.services.seedDemo({ stories: true });
    await generateYear({ ...deps.services, db: deps.db, clock: clock as ManualClock, engine: deps.engine, timers: deps.timers }, { year: 2021, projects, communities: 6 });

    const rows = (await deps.db('workflow_history').join('workflow_instances', 'workflow_instances.id', 'workflow_history.instance_id')
      .where('workflow_instances.workflow', 'project').select('instance_id', 'seq', 'type', 'from_state', 'to_state', 'payload', 'at')) as Row[];
    const expected = recount(rows);
    const vendors = await deps.services.reference.vendors();
    const total = [...expected.values()].reduce((s, e) => ({ contracts: s.contracts + e.contracts, scores: s.scores + e.scores.length, requested: s.requested + e.requested }), { contracts: 0, scores: 0, requested: 0 });
    // the year gives the records something to count
    expect(total.contracts).toBeGreaterThan(3);
    expect(total.requested).toBeGreaterThan(0);
    expect(total.scores).toBeGreaterThan(0);

    const records = await deps.services.vendorPerformance.records(vendors.map((v) => v.id), null);
    for (const v of vendors) {
      const e = expected.get(v.id) ?? recount([]).get('') ?? { contracts: 0, contractFen: 0, requested: 0, onTime: 0, disputes: 0, rectifications: 0, acceptances: 0, acceptancesPassed: 0, scores: [], daysLate: [] };
      const r = records.get(v.id)!;
      const average = e.scores.length ? Math.round((e.scores.reduce((s, x) => s + x, 0) / e.scores.length) * 10) / 10 : null;
      expect(r.summary, v.id).toMatchObject({
        contracts: e.contracts, contractFen: e.contractFen, requested: e.requested, onTime: e.onTime, onTimeShare: e.requested ? e.onTime / e.requested : null,
        disputes: e.disputes, rectifications: e.rectifications, acceptances: e.acceptances, acceptancesPassed: e.acceptancesPassed,
        evaluations: e.scores.length, averageScore: average,
      });
      expect(r.contracts.filter((c) => c.daysLate !== null).map((c) => c.daysLate).sort(), v.id).toEqual([...e.daysLate].sort());
      expect(r.byQuarter.reduce((s, q) => s + q.evaluations, 0), v.id).toBe(e.scores.length);
    }

    // the API pages the contracts and counts them truly; the summary is the module's
    const busiest = vendors.map((v) => ({ id: v.id, n: expected.get(v.id)?.contracts ?? 0 })).sort((x, y) => y.n - x.n)[0]!;
    const token = await a.token(U.district);
    const first = await a.http.get(`/api/v1/vendors/${busiest.id}/record?pageSize=2`).set('Authorization', `Bearer ${token}`);
    expect(first.status).toBe(200);
    expect(first.body.record.summary).toEqual(JSON.parse(JSON.stringify(records.get(busiest.id)!.summary)));
    expect(first.body.record.contracts).toMatchObject({ total: busiest.n, page: 1, pageSize: 2, pages: Math.max(1, Math.ceil(busiest.n / 2)) });
    expect(first.body.record.contracts.items).toHaveLength(Math.min(2, busiest.n));
    const seen = new Set<string>();
    for (let page = 1; page <= first.body.record.contracts.pages; page++) {
      const res = await a.http.get(`/api/v1/vendors/${busiest.id}/record?pageSize=2&page=${page}`).set('Authorization', `Bearer ${token}`);
      for (const c of res.body.record.contracts.items as Array<{ projectId: string }>) seen.add(c.projectId);
    }
    expect(seen.size).toBe(busiest.n);

    // the pages: the record page shows the count, the district's list one line per vendor
    const agent = await agentFor(a, U.district);
    const page = await agent.get(`/vendors/${busiest.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`共${busiest.n}份`);
    const list = await agent.get('/vendors');
    expect(list.status).toBe(200);
    expect(list.text).toContain(`合同${busiest.n}份`);

    // a vendor is flagged by its figures alone, under the threshold of the district's rules in force
    const e = expected.get(busiest.id)!;
    const average = e.scores.length ? e.scores.reduce((x, y) => x + y, 0) / e.scores.length : null;
    const shouldFlag = e.contracts >= 1 && ((average !== null && Math.round(average * 10) / 10 < 100) || (e.requested > 0 && e.onTime < e.requested));
    const districtId = (await deps.services.reference.districts())[0]!.id;
    await deps.services.rules.publish(districtId, { ...(await deps.services.rules.current(districtId)), vendorRecord: { minAverageScore: 100, minOnTimeShare: 1, minContracts: 1 } }, null);
    const flaggedList = await agent.get('/vendors?flagged=1');
    expect(flaggedList.status).toBe(200);
    const name = vendors.find((v) => v.id === busiest.id)!.name;
    expect(flaggedList.text.includes(name), name).toBe(shouldFlag);
    expect((await agent.get(`/vendors/${busiest.id}`)).text.includes('id="vp-flag"')).toBe(shouldFlag);
    expect(shouldFlag).toBe(true); // a perfect record at every project of a generated year would be a surprise

    // the status workflow on this database: every vendor gets its instance, a suspension keeps vendors.status in step, all verifies
    expect(await deps.services.vendorStatus.ensureAll()).toBe(vendors.length);
    const district = (await deps.services.users.findByEmail(U.district)) as User;
    await deps.services.vendors.change(district, busiest.id, { type: 'SUSPEND', reason: '履约记录低于标准' });
    expect((await deps.services.reference.vendor(busiest.id)).status).toBe('suspended');
    expect(await auditVendorStatus(deps.db)).toEqual([]);
    const report = await verifyAll(deps.engine, deps.db);
    expect(report.problems).toEqual([]);
    expect(report.checked).toBeGreaterThanOrEqual(rows.length > 0 ? vendors.length + 1 : 0);
  }, 600_000);
});
