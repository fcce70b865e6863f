// The lockdown scenario (issue 15 item 7, src/demo/lockdown.ts) on a fresh demo, then its figures
// recounted from the rows, independently of the scenario's own counters: the campaign's 647
// members, its 2,278 call rows (per day, and who was called when), the 35 needs from the calls'
// need_ids and from care_call_needs, and how each need came to `resolved` from its workflow_history
// (a direct RESOLVE by its community, or a REFER and then a RESOLVE by the street or the community it
// went to, before the referral's deadline). The campaign report (src/campaigns/campaign-report.ts)
// must show the same figures. On better-sqlite3 and PostgreSQL (a generator suite: GENERATOR_KINDS).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/users.js';
import { isValidIdNumber } from '../../src/beneficiaries/beneficiaries.js';
import { LOCKDOWN, seedLockdown, type LockdownSummary } from '../../src/demo/lockdown.js';
import { verifyAll } from '../../src/engine/verify.js';
import { GENERATOR_KINDS } from '../support/db.js';
import { createTestApp, type TestApp } from '../support/app.js';

interface CallRow { id: number; beneficiary_id: string; operator_id: string; day: string; reached: boolean; need_ids: string; called_at: string }
interface HistoryRow { instance_id: string; seq: number; type: string; from_state: string | null; to_state: string; at: string; actor: string; payload: string }
type Actor = { id: string; role: string; streetId?: string; communityId?: string };

describe.each(GENERATOR_KINDS)('the lockdown scenario on %s', (kind) => {
  let a: TestApp;
  let summary: LockdownSummary;
  let members: Array<{ beneficiary_id: string; community_id: string; slot: number; cadence: string; disability_level: string | null; id_number: string }>;
  let calls: CallRow[];
  let days: string[];
  const severe = new Set<string>();
  /** the recount of how each need was resolved */
  const how = { direct: 0, street: 0, community: 0 };
  let reachedTotal = 0;

  beforeAll(async () => {
    a = await createTestApp({ kind });
    const s = a.deps.services;
    // a bulk load, as `weishishi seed --lockdown` runs it: no fsync per transaction on SQLite
    if (kind !== 'postgres') await a.t.db.raw('PRAGMA synchronous = OFF');
    summary = await seedLockdown({ db: a.t.db, clock: a.clock, users: s.users, beneficiaries: s.beneficiaries, campaigns: s.campaigns, needs: s.needs, timers: a.deps.timers });
    members = await a.t.db('care_campaign_members').join('beneficiaries', 'beneficiaries.id', 'care_campaign_members.beneficiary_id').where({ campaign_id: summary.campaignId })
      .select('care_campaign_members.beneficiary_id', 'care_campaign_members.community_id', 'slot', 'cadence', 'beneficiaries.disability_level', 'beneficiaries.id_number');
    for (const m of members) if (m.disability_level === '一级' || m.disability_level === '二级') severe.add(m.beneficiary_id);
    calls = (await a.t.db('care_calls').where({ campaign_id: summary.campaignId }).orderBy('id')).map((c) => ({ ...c, reached: Boolean(c.reached) }));
    const campaign = await a.t.db('care_campaigns').where({ id: summary.campaignId }).first();
    days = [];
    for (let t = Date.parse(`${campaign.start_on}T00:00:00Z`); t <= Date.parse(`${campaign.end_on}T00:00:00Z`); t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  }, 600_000);
  afterAll(async () => a?.close());

  it('when the lists come in, then the campaign holds 647 disabled residents of 拱北街道, the 230 severely disabled called daily, the others once', () => {
    expect(members).toHaveLength(647);
    expect(new Set(members.map((m) => m.beneficiary_id)).size).toBe(647);
    expect(new Set(members.map((m) => m.community_id))).toEqual(new Set(['cm-lianhua', 'cm-yuehai']));
    expect(members.every((m) => ['一级', '二级', '三级', '四级'].includes(m.disability_level ?? ''))).toBe(true);
    expect(members.every((m) => isValidIdNumber(m.id_number))).toBe(true);
    expect(severe.size).toBe(230);
    expect(members.filter((m) => m.cadence === 'daily').map((m) => m.beneficiary_id).sort()).toEqual([...severe].sort());
    expect(new Set(members.map((m) => m.slot)).size).toBe(LOCKDOWN.operators);
    expect(days).toHaveLength(8);
    expect(summary).toMatchObject({ residents: 647, calls: 2278, needs: 35 });
  });

  it('when the calls are counted from their rows, then there are 2,278 over the 8 days, each by the operator whose share the resident is in', async () => {
    expect(calls).toHaveLength(2278);
    expect(Number(((await a.t.db('care_calls').where({ campaign_id: summary.campaignId }).count({ n: '*' })) as Array<{ n: unknown }>)[0]!.n)).toBe(2278);
    const ops = await a.t.db('care_campaign_operators').where({ campaign_id: summary.campaignId }).select('user_id', 'slot');
    const opOfSlot = new Map(ops.map((o) => [Number(o.slot), o.user_id as string]));
    const slotOf = new Map(members.map((m) => [m.beneficiary_id, Number(m.slot)]));
    expect(calls.every((c) => opOfSlot.get(slotOf.get(c.beneficiary_id)!) === c.operator_id)).toBe(true);
    expect(new Set(calls.map((c) => c.day))).toEqual(new Set(days));
    // per day: every severely disabled resident once, the rest the once-called of that day; reached counted
    const perDay = days.map((day) => {
      const of = calls.filter((c) => c.day === day);
      return { day, calls: of.length, severe: of.filter((c) => severe.has(c.beneficiary_id)).length, reached: of.filter((c) => c.reached).length, residents: new Set(of.map((c) => c.beneficiary_id)).size };
    });
    for (const d of perDay) {
      expect(d.severe).toBe(230);
      expect(d.residents).toBe(d.calls); // one call a day at most
      expect(d.reached).toBeGreaterThan(d.calls * 0.9);
      expect(d.reached).toBeLessThanOrEqual(d.calls);
    }
    expect(perDay.reduce((s, d) => s + d.calls, 0)).toBe(2278);
    reachedTotal = perDay.reduce((s, d) => s + d.reached, 0);
    expect(reachedTotal).toBe(calls.filter((c) => c.reached).length);
    expect(reachedTotal).toBe(summary.reached);
    // calls are in order on the clock, each on its Shanghai day
    expect(calls.every((c) => new Date(Date.parse(c.called_at) + 8 * 3_600_000).toISOString().slice(0, 10) === c.day)).toBe(true);
  });

  it('when each resident\'s calls are listed, then the severely disabled were called on every day, and nobody else after being reached', () => {
    const byResident = new Map<string, CallRow[]>();
    for (const c of calls) byResident.set(c.beneficiary_id, [...(byResident.get(c.beneficiary_id) ?? []), c]);
    expect(byResident.size).toBe(647); // everyone was called
    let retries = 0;
    for (const m of members) {
      const own = byResident.get(m.beneficiary_id)!;
      if (severe.has(m.beneficiary_id)) {
        expect(own.map((c) => c.day)).toEqual(days);
      } else {
        const reachedAt = own.findIndex((c) => c.reached);
        expect(reachedAt).toBe(own.length - 1); // reached once, on the last call
        expect(own.slice(0, -1).every((c) => !c.reached)).toBe(true);
        retries += own.length - 1;
      }
    }
    expect(retries).toBe(21); // 230 × 8 + 417 + 21 = 2,278
    expect(230 * 8 + (647 - 230) + retries).toBe(2278);
  });

  it('when the needs are counted from the calls and from care_call_needs, then there are 35, raised on reached calls, of source call, for the called resident', async () => {
    const fromCalls = calls.flatMap((c) => (JSON.parse(c.need_ids) as string[]).map((needId) => ({ needId, call: c })));
    expect(fromCalls).toHaveLength(35);
    expect(new Set(fromCalls.map((x) => x.needId)).size).toBe(35);
    expect(fromCalls.every((x) => x.call.reached)).toBe(true);
    const links = await a.t.db('care_call_needs').where({ campaign_id: summary.campaignId }).select('need_id', 'call_id', 'day');
    expect(links.map((l) => [l.need_id, Number(l.call_id), l.day]).sort()).toEqual(fromCalls.map((x) => [x.needId, Number(x.call.id), x.call.day]).sort());
    const needs = await a.t.db('needs').whereIn('id', fromCalls.map((x) => x.needId));
    expect(needs).toHaveLength(35);
    const callOf = new Map(fromCalls.map((x) => [x.needId, x.call]));
    for (const n of needs) {
      expect(n).toMatchObject({ source: 'call', state: 'resolved', beneficiary_id: callOf.get(n.id)!.beneficiary_id });
      expect(n.community_id).toBe(members.find((m) => m.beneficiary_id === n.beneficiary_id)!.community_id);
    }
    expect(new Set(needs.map((n) => n.type)).size).toBeGreaterThanOrEqual(5);
  });

  it('when each need\'s history is read, then it reached resolved, directly by its community or by the street or community it was referred to, before the deadline', async () => {
    const ids = calls.flatMap((c) => JSON.parse(c.need_ids) as string[]);
    const rows = (await a.t.db('workflow_history').whereIn('instance_id', ids).orderBy([{ column: 'instance_id' }, { column: 'seq' }])) as HistoryRow[];
    const community = new Map((await a.t.db('needs').whereIn('id', ids).select('id', 'community_id')).map((n) => [n.id as string, n.community_id as string]));
    for (const id of ids) {
      const h = rows.filter((r) => r.instance_id === id);
      const outcome = h.filter((r) => r.type !== 'INFORM_RESIDENT' && r.type !== 'COMMENT');
      const own = community.get(id)!;
      expect(h[0]).toMatchObject({ type: '$start', to_state: 'received' });
      expect(h.at(-1)!.to_state).toBe('resolved');
      // after the outcome, only the call telling the resident (by its community or the referred party)
      expect(h.slice(outcome.length).every((r) => r.type === 'INFORM_RESIDENT' && r.from_state === 'resolved')).toBe(true);
      const resolve = outcome.at(-1)!;
      expect(resolve.type).toBe('RESOLVE');
      const by = JSON.parse(resolve.actor) as Actor;
      if (outcome.length === 2) {
        expect(resolve).toMatchObject({ from_state: 'received', to_state: 'resolved' });
        expect(by).toMatchObject({ role: 'community', communityId: own });
        how.direct++;
      } else {
        expect(outcome.map((r) => r.type)).toEqual(['$start', 'REFER', 'RESOLVE']);
        const refer = outcome[1]!;
        expect(refer).toMatchObject({ from_state: 'received', to_state: 'referred' });
        expect(JSON.parse(refer.actor)).toMatchObject({ role: 'community', communityId: own });
        const p = JSON.parse(refer.payload) as { to: string; communityId?: string; deadlineAt: string; note?: string };
        expect(p.note).toBeTruthy();
        expect(resolve).toMatchObject({ from_state: 'referred', to_state: 'resolved' });
        expect(resolve.at > refer.at && resolve.at < p.deadlineAt).toBe(true);
        if (p.to === 'street') {
          expect(by).toMatchObject({ role: 'street', streetId: 'st-gongbei' });
          how.street++;
        } else {
          expect(p.communityId).not.toBe(own);
          expect(by).toMatchObject({ role: 'community', communityId: p.communityId });
          how.community++;
        }
      }
      expect((JSON.parse(resolve.payload) as { resolution: string }).resolution).toBeTruthy();
    }
    expect(how.direct + how.street + how.community).toBe(35);
    expect(how).toEqual(summary.routes);
    expect(Math.min(how.direct, how.street, how.community)).toBeGreaterThan(0);
    // nothing left waiting: no referral timer pending, no need open
    expect(await a.t.db('timers').whereIn('instance_id', ids).where({ status: 'pending' }).first()).toBeUndefined();
    const report = await verifyAll(a.deps.engine, a.t.db);
    expect(report.problems).toEqual([]);
  });

  it('when the district reads the campaign report, then it shows the recounted figures', async () => {
    const district = (await a.deps.services.users.findByEmail('district@example.org')) as User;
    const r = await a.deps.services.campaignReports.report(district, summary.campaignId);
    expect(r.residents).toBe(647);
    expect(r.totals).toMatchObject({
      calls: 2278, reached: reachedTotal, residentsCalled: 647, needs: 35,
      outcomes: { resolvedDirectly: how.direct, resolvedAfterReferral: how.street + how.community, referredOpen: 0, adopted: 0, declined: 0, received: 0 },
    });
    expect(r.referrals.resolved).toEqual({ street: how.street, community: how.community });
    expect(r.days.map((d) => d.day)).toEqual(days);
    for (const d of r.days) {
      const of = calls.filter((c) => c.day === d.day);
      expect(d).toMatchObject({ calls: of.length, reached: of.filter((c) => c.reached).length, needs: of.reduce((s, c) => s + (JSON.parse(c.need_ids) as string[]).length, 0) });
    }
  });
});
