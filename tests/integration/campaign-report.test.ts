// Care-call campaign reports (issue 15 item 4) on every database the storage suites run on: four
// days of a campaign (calls reached and missed, a day with no call), the needs the calls raised then
// resolved directly, referred to the street and resolved there, referred to another community and
// resolved there, referred and left open, adopted into one project (two needs into the same one),
// declined and left received; every figure of the report — per day, totals, by type, the referral
// split, the median time to resolution, the adopted projects — checked against a recount made here
// from the care_calls rows and the needs' workflow_history rows (never from the needs table), also
// for a date filter; who may read it (403) and bad dates (422).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/users.js';
import { NEED_TYPES } from '../../workflows/need/index.js';
import type { CampaignReport, Outcomes } from '../../src/campaigns/campaign-report.js';
import { STORAGE_KINDS } from '../support/db.js';
import { createTestApp, type TestApp } from '../support/app.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const RESIDENTS = 12;
const NEW_PROJECT = {
  title: '楼道扶手安装', type: 'works', category: '居家改造', mainGroup: '残疾人', estimatedFen: 800_000,
  description: '为电话关爱中反映的楼道安装扶手。', items: [{ name: '不锈钢扶手（米）', quantity: 40, unitFen: 20_000 }],
};

type OutcomeKey = keyof Outcomes;
const zero = (): Outcomes => ({ resolvedDirectly: 0, resolvedAfterReferral: 0, referredOpen: 0, adopted: 0, declined: 0, received: 0 });
const OUTCOME_STATES = ['resolved', 'adopted', 'declined'];

/** Every figure of a report equals the test's own recount from the rows. */
type Recount = Pick<CampaignReport, 'days' | 'totals' | 'needsByType' | 'medianResolutionMs' | 'referrals' | 'adoptedProjects'>;
function expectRecounted(report: CampaignReport, expected: Recount): void {
  for (const k of ['days', 'totals', 'needsByType', 'referrals', 'adoptedProjects'] as const) expect(report[k], k).toEqual(expected[k]);
  expect(report.medianResolutionMs).toBe(expected.medianResolutionMs);
}

interface HistoryRow { seq: number; type: string; payload: string; from_state: string | null; to_state: string; at: string }

describe.each(STORAGE_KINDS)('care-call campaign reports on %s', (kind) => {
  let a: TestApp;
  let c1: User;
  let c3: User;
  let yuehai: User;
  let street: User;
  let district: User;
  let vendor: User;
  const ops: User[] = [];
  let campaignId = '';
  const ids: string[] = [];

  const user = async (email: string): Promise<User> => {
    const r = await a.t.db('users').where({ email }).first('id');
    return a.deps.services.users.get(r.id);
  };

  beforeAll(async () => {
    a = await createTestApp({ kind });
    [c1, c3, street, district, vendor] = await Promise.all(['community1@example.org', 'community3@example.org', 'street@example.org', 'district@example.org', 'vendor1@example.org'].map(user)) as [User, User, User, User, User];
    yuehai = await a.deps.services.users.create({ email: 'yuehai@example.org', name: '粤海社区工作人员', role: 'community', password: 'community-password', communityId: 'cm-yuehai' });
    for (const i of [1, 2]) ops.push(await a.deps.services.users.create({ email: `rop${i}@example.org`, name: `报告话务员${i}`, role: 'operator', password: 'operator-password', districtId: c1.districtId! }));
    const at = a.clock.now().toISOString();
    await a.t.db('beneficiaries').insert(Array.from({ length: RESIDENTS }, (_, i) => ({
      id: `rp-${String(i).padStart(3, '0')}`, community_id: 'cm-lianhua', id_number: `44040219480101${String(i).padStart(4, '0')}`, name: `报告居民${i}`,
      phone: `1360000${String(1000 + i)}`, address: `香洲区拱北莲花路${i}号`, living_situation: 'alone', lives_alone: true, needs_daily_contact: false, created_by: c1.id, created_at: at,
    })));
    const c = await a.deps.services.campaigns.create(c1, { name: '报告测试关爱电话', area: 'community:cm-lianhua', flags: ['alone'], startOn: '2026-03-02', endOn: '2026-03-08', operatorIds: ops.map((o) => o.id) });
    campaignId = c.id;
    const rows = await a.t.db('care_campaign_members').where({ campaign_id: campaignId }).orderBy('position').select('beneficiary_id', 'slot');
    for (const r of rows) ids.push(r.beneficiary_id as string);
  }, 120_000);
  afterAll(async () => a?.close());

  /** Logs a call by the operator whose share the resident is in. */
  const call = async (i: number, reached: boolean, problems: string[] = []) => {
    const slot = Number((await a.t.db('care_campaign_members').where({ campaign_id: campaignId, beneficiary_id: ids[i] }).first('slot')).slot);
    const done = await a.deps.services.campaigns.logCall(ops[slot]!, campaignId, { beneficiaryId: ids[i]!, reached, problems: problems.map((type) => ({ type })) });
    return done.call.needIds;
  };
  /**
   * The report recounted from the raw records: care_calls rows (calls, reach, residents, the need ids
   * each call raised) and each need's workflow_history (its type from $start, whether and where it
   * was referred, where it ended, when it was received and reached its outcome, the project ADOPT linked).
   */
  async function recount(from: string, to: string) {
    const calls = (await a.t.db('care_calls').where({ campaign_id: campaignId }).select('*')).filter((c) => c.day >= from && c.day <= to);
    const days: CampaignReport['days'] = [];
    for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) {
      const day = new Date(t).toISOString().slice(0, 10);
      const those = calls.filter((c) => c.day === day);
      const reached = those.filter((c) => Boolean(c.reached)).length;
      days.push({ day, calls: those.length, reached, reachRate: those.length ? reached / those.length : null, residentsCalled: new Set(those.map((c) => c.beneficiary_id)).size, needs: 0, outcomes: zero() });
    }
    const byType = new Map(NEED_TYPES.map((type) => [type as string, { type: type as string, needs: 0, outcomes: zero() }]));
    const totals = zero();
    const durations: number[] = [];
    const referrals = { resolved: { street: 0, community: 0 }, open: { street: 0, community: 0 } };
    const projects = new Map<string, Set<string>>();
    let needCount = 0;
    for (const c of calls) {
      for (const needId of JSON.parse(c.need_ids as string) as string[]) {
        const h = (await a.t.db('workflow_history').where({ instance_id: needId }).orderBy('seq').select('seq', 'type', 'payload', 'from_state', 'to_state', 'at')) as HistoryRow[];
        expect(h[0]!.type).toBe('$start');
        const start = JSON.parse(h[0]!.payload) as { input: { type: string } };
        const state = h.at(-1)!.to_state;
        const refer = h.filter((r) => r.type === 'REFER').at(-1);
        const referredTo = refer ? (JSON.parse(refer.payload) as { to: 'street' | 'community' }).to : null;
        const outcome: OutcomeKey = state === 'resolved' ? (referredTo ? 'resolvedAfterReferral' : 'resolvedDirectly')
          : state === 'referred' ? 'referredOpen' : state === 'adopted' ? 'adopted' : state === 'declined' ? 'declined' : 'received';
        const ended = h.find((r) => OUTCOME_STATES.includes(r.to_state) && r.from_state !== r.to_state);
        if (ended) durations.push(Date.parse(ended.at) - Date.parse(h[0]!.at));
        if (referredTo && (state === 'resolved' || state === 'referred')) referrals[state === 'resolved' ? 'resolved' : 'open'][referredTo] += 1;
        const adopt = h.find((r) => r.type === 'ADOPT');
        if (adopt) {
          const projectId = (JSON.parse(adopt.payload) as { projectId: string }).projectId;
          projects.set(projectId, (projects.get(projectId) ?? new Set()).add(needId));
        }
        const d = days.find((x) => x.day === c.day)!;
        d.needs += 1;
        d.outcomes[outcome] += 1;
        byType.get(start.input.type)!.needs += 1;
        byType.get(start.input.type)!.outcomes[outcome] += 1;
        totals[outcome] += 1;
        needCount += 1;
      }
    }
    durations.sort((x, y) => x - y);
    const m = durations.length;
    const median = m === 0 ? null : m % 2 ? durations[(m - 1) / 2]! : (durations[m / 2 - 1]! + durations[m / 2]!) / 2;
    const adoptedProjects = [];
    for (const [projectId, set] of projects) {
      const p = await a.t.db('projects').where({ id: projectId }).first('ref', 'title');
      adoptedProjects.push({ projectId, ref: p.ref as string, title: p.title as string, needs: set.size });
    }
    adoptedProjects.sort((x, y) => x.ref.localeCompare(y.ref));
    const reached = days.reduce((s, d) => s + d.reached, 0);
    const callCount = days.reduce((s, d) => s + d.calls, 0);
    return {
      days,
      totals: { calls: callCount, reached, reachRate: callCount ? reached / callCount : null, residentsCalled: new Set(calls.map((c) => c.beneficiary_id)).size, needs: needCount, outcomes: totals },
      needsByType: [...byType.values()],
      medianResolutionMs: median,
      referrals,
      adoptedProjects,
      durations,
    };
  }

  it('when four days of calls raise needs that then end every way, then every figure of the report matches a recount from the calls and the needs\' history', async () => {
    const { needs } = a.deps.services;
    // day 1 (2026-03-02): five calls, two missed; three needs
    const [careA, rehabB] = await call(0, true, ['daily_care', 'medical_rehab']);
    await call(1, false);
    await call(2, true);
    const [accessC] = await call(3, true, ['accessibility']);
    await call(4, false);
    a.clock.advance(5 * HOUR_MS);
    await needs.send(c1, careA!, { type: 'RESOLVE', resolution: '社区已安排志愿者上门。' }); // 5 h
    await needs.send(c1, rehabB!, { type: 'REFER', to: 'street', note: '需街道协调康复机构' });
    await needs.send(c1, accessC!, { type: 'ADOPT', newProject: NEW_PROJECT }); // 5 h
    const project = (await a.t.db('needs').where({ id: accessC }).first('project_id')).project_id as string;

    // day 2 (2026-03-03): the missed are called again, one of them is reached
    a.clock.advance(DAY_MS - 5 * HOUR_MS);
    const [suppliesD, emotionalE] = await call(1, true, ['supplies', 'emotional_support']);
    await call(4, false);
    const [otherF, rehabH] = await call(5, true, ['other', 'medical_rehab']);
    await call(6, true);
    a.clock.advance(2 * HOUR_MS);
    await needs.send(c1, suppliesD!, { type: 'DECLINE', reason: '已由其他渠道解决。' }); // 2 h
    await needs.send(c1, emotionalE!, { type: 'REFER', to: 'community', communityId: 'cm-yuehai', note: '居民子女住在粤海社区' });
    await needs.send(c1, rehabH!, { type: 'REFER', to: 'community', communityId: 'cm-yuehai' });
    a.clock.advance(HOUR_MS);
    await needs.send(c1, otherF!, { type: 'ADOPT', projectId: project }); // 3 h
    a.clock.advance(20 * HOUR_MS);
    await needs.send(street, rehabB!, { type: 'RESOLVE', resolution: '街道已联系康复机构上门指导。' }); // 47 h (day 3, 08:00 in Shanghai)

    // day 3 (2026-03-04): nobody is called. Day 4 (2026-03-05): two calls, a need left received
    a.clock.advance(DAY_MS);
    await needs.send(yuehai, rehabH!, { type: 'RESOLVE', resolution: '粤海社区已上门。' }); // 47 h
    const [careG] = await call(0, true, ['daily_care']);
    await call(7, false);
    a.clock.advance(DAY_MS); // today: 2026-03-06, no call yet

    const report = await a.deps.services.campaignReports.report(c1, campaignId, {});
    const expected = await recount('2026-03-02', '2026-03-06');
    expect(report.days.map((d) => d.day)).toEqual(['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06']);
    expectRecounted(report, expected);
    expect(report.residents).toBe(RESIDENTS);
    expect(report.campaign.id).toBe(campaignId);

    // and the recount itself says what the story above did
    expect(report.totals).toMatchObject({ calls: 11, reached: 7, residentsCalled: 8, needs: 8 });
    expect(report.totals.reachRate).toBeCloseTo(7 / 11, 12);
    expect(report.totals.outcomes).toEqual({ resolvedDirectly: 1, resolvedAfterReferral: 2, referredOpen: 1, adopted: 2, declined: 1, received: 1 });
    expect(report.days[2]).toEqual({ day: '2026-03-04', calls: 0, reached: 0, reachRate: null, residentsCalled: 0, needs: 0, outcomes: zero() });
    expect(report.days[0]!.outcomes).toEqual({ resolvedDirectly: 1, resolvedAfterReferral: 1, referredOpen: 0, adopted: 1, declined: 0, received: 0 });
    expect(report.needsByType.find((x) => x.type === 'medical_rehab')).toEqual({ type: 'medical_rehab', needs: 2, outcomes: { ...zero(), resolvedAfterReferral: 2 } });
    expect(report.referrals).toEqual({ resolved: { street: 1, community: 1 }, open: { street: 0, community: 1 } });
    // durations 2 h (D), 3 h (F), 5 h (A), 5 h (C), 47 h (B), 47 h (H): the median of six is the mean of the middle two
    expect(expected.durations).toEqual([2, 3, 5, 5, 47, 47].map((h) => h * HOUR_MS));
    expect(report.medianResolutionMs).toBe(5 * HOUR_MS);
    expect(report.adoptedProjects).toEqual([{ projectId: project, ref: expect.any(String), title: NEW_PROJECT.title, needs: 2 }]);
    expect(careG).toEqual(expect.any(String));
    // one care_call_needs row per need the calls raised
    expect(await a.t.db('care_call_needs').where({ campaign_id: campaignId }).count({ n: '*' }).first().then((r) => Number((r as { n: unknown }).n))).toBe(8);

    // a filter on the days: only those days, and the needs they raised
    const day2 = await a.deps.services.campaignReports.report(c1, campaignId, { from: '2026-03-03', to: '2026-03-03' });
    const expected2 = await recount('2026-03-03', '2026-03-03');
    expect(day2).toMatchObject({ from: '2026-03-03', to: '2026-03-03' });
    expectRecounted(day2, expected2);
    // days before the start and after today are not shown
    const wide = await a.deps.services.campaignReports.report(c1, campaignId, { from: '2026-02-01', to: '2026-12-31' });
    expect(wide.days.map((d) => d.day)).toEqual(report.days.map((d) => d.day));
    const none = await a.deps.services.campaignReports.report(c1, campaignId, { from: '2026-03-07' });
    expect(none).toMatchObject({ days: [], from: null, to: null, medianResolutionMs: null, adoptedProjects: [], totals: { calls: 0, reachRate: null, needs: 0 } });
  });

  it('when others ask, then the street and the district read the report, another community, an operator and a vendor get 403, and bad dates 422', async () => {
    const { campaignReports } = a.deps.services;
    const mine = await campaignReports.report(c1, campaignId, {});
    expect((await campaignReports.report(street, campaignId, {})).totals).toEqual(mine.totals);
    expect((await campaignReports.report(district, campaignId, {})).totals).toEqual(mine.totals);
    await expect(campaignReports.report(c3, campaignId, {})).rejects.toMatchObject({ status: 403, reasons: [{ code: 'OUT_OF_SCOPE' }] });
    await expect(campaignReports.report(ops[0]!, campaignId, {})).rejects.toMatchObject({ status: 403, reasons: [{ code: 'WRONG_ROLE' }] });
    await expect(campaignReports.report(vendor, campaignId, {})).rejects.toMatchObject({ status: 403 });
    await expect(campaignReports.report(c1, 'no-such-campaign', {})).rejects.toMatchObject({ status: 404 });
    await expect(campaignReports.report(c1, campaignId, { from: '2026-02-30' })).rejects.toMatchObject({ status: 422, fields: { from: 'validation.date' } });
    await expect(campaignReports.report(c1, campaignId, { to: 'yesterday' })).rejects.toMatchObject({ status: 422, fields: { to: 'validation.date' } });
    await expect(campaignReports.report(c1, campaignId, { from: '2026-03-05', to: '2026-03-03' })).rejects.toMatchObject({ status: 422, fields: { to: 'campaigns.report.validation.toBeforeFrom' } });
    await expect(campaignReports.report(c1, campaignId, { from: ['2026-03-03', '2026-03-04'] })).rejects.toMatchObject({ status: 422 });
  });
});
