// Emergency supplies (issue 15 item 5) on every database the storage suites run on: a district-wide
// campaign of a few hundred households in two communities, a plan of ¥100 per household per day
// over four days; each day most households get their delivery (some partial, some late, a few
// none) from their community's staff or the district; the day's totals, the cumulative totals and
// the day-by-day series, for the district and for each community, equal an independent recount
// from the delivery rows and from the test's own log of what was delivered; a household is
// delivered at most once a day, also when two forms race.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/users.js';
import { STORAGE_KINDS } from '../support/db.js';
import { createTestApp, type TestApp } from '../support/app.js';

const LIANHUA = 240;
const HAIBIN = 60;
const DAYS: string[] = ['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05'];

/** A small deterministic generator (LCG), so a failure repeats. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe.each(STORAGE_KINDS)('emergency supplies on %s', (kind) => {
  let a: TestApp;
  let c1: User;
  let c3: User;
  let district: User;
  let campaignId = '';
  let planId = '';
  let households: Array<{ id: string; communityId: string }> = [];
  /** what the test delivered: `${beneficiaryId}|${day}` → fen */
  const log = new Map<string, { fen: number; communityId: string; day: string }>();

  const user = async (email: string): Promise<User> => a.deps.services.users.get((await a.t.db('users').where({ email }).first('id')).id);

  beforeAll(async () => {
    a = await createTestApp({ kind });
    c1 = await user('community1@example.org');
    c3 = await user('community3@example.org');
    district = await user('district@example.org');
    const operator = await user('operator@example.org');
    const at = a.clock.now().toISOString();
    const rows = [
      ...Array.from({ length: LIANHUA }, (_, i) => ({ community: 'cm-lianhua', i })),
      ...Array.from({ length: HAIBIN }, (_, i) => ({ community: 'cm-haibin', i: LIANHUA + i })),
    ].map((r) => ({
      id: `su-${String(r.i).padStart(4, '0')}`, community_id: r.community, id_number: `44040219600303${String(r.i).padStart(4, '0')}`, name: `配送居民${r.i}`,
      phone: `137${String(20_000_000 + r.i)}`, address: `香洲区拱北莲花路${r.i}号`, living_situation: 'alone', lives_alone: true, needs_daily_contact: r.i % 4 === 0, created_by: c1.id, created_at: at,
    }));
    for (let i = 0; i < rows.length; i += 100) await a.t.db('beneficiaries').insert(rows.slice(i, i + 100));
    campaignId = (await a.deps.services.campaigns.create(district, { name: '疫情封控期间关爱', area: 'district', flags: ['alone'], startOn: '2026-03-02', endOn: '2026-03-08', operatorIds: [operator.id] })).id;
  }, 180_000);
  afterAll(async () => a?.close());

  it('when the district makes a plan, then it covers every household of the campaign; a community\'s plan only its own, and one by care flag only those', async () => {
    const { supplies } = a.deps.services;
    const members = await a.t.db('care_campaign_members').where({ campaign_id: campaignId }).orderBy('position').select('beneficiary_id', 'community_id');
    expect(members.length).toBeGreaterThanOrEqual(LIANHUA + HAIBIN);
    const plan = await supplies.createPlan(district, campaignId, { item: '肉菜水果', startOn: '2026-03-02', endOn: '2026-03-05' });
    planId = plan.id;
    expect(plan).toMatchObject({ amountFen: 10_000, householdCount: members.length, days: 4 });
    households = (await a.t.db('care_supply_households').where({ plan_id: planId }).orderBy('position').select('beneficiary_id', 'community_id'))
      .map((h) => ({ id: h.beneficiary_id as string, communityId: h.community_id as string }));
    expect(households.map((h) => h.id)).toEqual(members.map((m) => m.beneficiary_id));
    const own = await supplies.createPlan(c3, campaignId, { item: '米面油', amountFen: 5000, startOn: '2026-03-03', endOn: '2026-03-03' });
    expect(own.householdCount).toBe(members.filter((m) => m.community_id === 'cm-haibin').length);
    const daily = await supplies.createPlan(c1, campaignId, { item: '药品', startOn: '2026-03-02', endOn: '2026-03-02', flags: ['daily'] });
    const expected = await a.t.db('care_campaign_members').join('beneficiaries', 'beneficiaries.id', 'care_campaign_members.beneficiary_id')
      .where({ campaign_id: campaignId, 'care_campaign_members.community_id': 'cm-lianhua', needs_daily_contact: true }).count({ n: '*' }).first() as { n: number | string };
    expect(daily.householdCount).toBe(Number(expected.n));
    await expect(supplies.createPlan(c1, campaignId, { item: '肉菜水果', startOn: '2026-03-01', endOn: '2026-03-09' })).rejects.toMatchObject({ status: 422, fields: { startOn: 'validation.supplyOutsideCampaign', endOn: 'validation.supplyOutsideCampaign' } });
    await expect(supplies.createPlan(c1, campaignId, { item: '肉菜水果', startOn: '2026-03-02', endOn: '2026-03-02', levels: ['一级'] })).rejects.toMatchObject({ status: 422, fields: { levels: 'validation.noHouseholds' } });
    const operator = await user('operator@example.org');
    await expect(supplies.createPlan(operator, campaignId, { item: '肉菜水果', startOn: '2026-03-02', endOn: '2026-03-02' })).rejects.toMatchObject({ status: 403, reasons: [{ code: 'WRONG_ROLE' }] });
    expect((await supplies.listPlans(district, campaignId)).total).toBe(3);
  });

  it('when deliveries are logged over the days, then the totals and the series equal a recount from the rows and from what was delivered', async () => {
    const { supplies } = a.deps.services;
    const next = rng(20261130);
    const staffFor = (h: { communityId: string }) => (next() < 0.15 ? district : h.communityId === 'cm-haibin' ? c3 : h.communityId === 'cm-lianhua' ? c1 : district);
    const deliver = async (by: User, h: { id: string; communityId: string }, day: string, fen: number | undefined) => {
      const done = await supplies.logDelivery(by, campaignId, planId, { beneficiaryId: h.id, day, ...(fen === undefined ? {} : { amountFen: fen }) });
      expect(done.delivery).toMatchObject({ day, amountFen: fen ?? 10_000 });
      log.set(`${h.id}|${day}`, { fen: fen ?? 10_000, communityId: h.communityId, day });
    };
    const skipped: Array<{ h: { id: string; communityId: string }; day: string }> = [];
    for (const [i, day] of DAYS.entries()) {
      a.clock.set(`${day}T02:00:00.000Z`); // 10:00 in Shanghai
      for (const h of households) {
        const roll = next();
        if (roll < 0.12) {
          skipped.push({ h, day });
          continue;
        }
        await deliver(staffFor(h), h, day, roll < 0.3 ? 1 + Math.floor(next() * 9_999) : undefined);
      }
      // the day before's missing deliveries, some of them entered late
      if (i > 0) {
        for (const s of skipped.filter((x) => x.day === DAYS[i - 1]).slice(0, 10)) await deliver(staffFor(s.h), s.h, s.day, 7_777);
      }
    }
    // a form sent twice at once: one delivery, one 409
    const again = households.find((h) => h.communityId === 'cm-lianhua' && !log.has(`${h.id}|${DAYS[3]}`))!;
    const raced = await Promise.allSettled([
      supplies.logDelivery(c1, campaignId, planId, { beneficiaryId: again.id }), supplies.logDelivery(district, campaignId, planId, { beneficiaryId: again.id }),
    ]);
    expect(raced.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(raced.find((r) => r.status === 'rejected')).toMatchObject({ reason: { status: 409, reasons: [{ code: 'SUPPLY_ALREADY_DELIVERED' }] } });
    log.set(`${again.id}|${DAYS[3]}`, { fen: 10_000, communityId: again.communityId, day: DAYS[3]! });
    await expect(supplies.logDelivery(c1, campaignId, planId, { beneficiaryId: again.id, day: DAYS[3] })).rejects.toMatchObject({ status: 409 });
    await expect(supplies.logDelivery(c1, campaignId, planId, { beneficiaryId: households.find((h) => h.communityId === 'cm-haibin')!.id, day: DAYS[0] })).rejects.toMatchObject({ status: 403 });

    const rows = (await a.t.db('care_supply_deliveries').where({ plan_id: planId }).select('beneficiary_id', 'community_id', 'day', 'amount_fen'))
      .map((r) => ({ id: r.beneficiary_id as string, communityId: r.community_id as string, day: r.day as string, fen: Number(r.amount_fen) }));
    expect(rows.length).toBe(log.size);
    expect(new Set(rows.map((r) => `${r.id}|${r.day}`)).size).toBe(rows.length);
    for (const r of rows) expect(log.get(`${r.id}|${r.day}`)).toEqual({ fen: r.fen, communityId: r.communityId, day: r.day });

    const scopes: Array<[User, string[] | null]> = [[district, null], [c1, ['cm-lianhua']], [c3, ['cm-haibin']]];
    for (const [who, communities] of scopes) {
      const mine = rows.filter((r) => communities === null || communities.includes(r.communityId));
      const covered = households.filter((h) => communities === null || communities.includes(h.communityId)).length;
      const t = await supplies.totals(who, campaignId, planId, { day: DAYS[3] });
      let cumN = 0;
      let cumFen = 0;
      for (const [i, day] of DAYS.entries()) {
        const that = mine.filter((r) => r.day === day);
        const fen = that.reduce((s, r) => s + r.fen, 0);
        cumN += that.length;
        cumFen += fen;
        expect(t.series.days[i]).toEqual({ day, covered, delivered: that.length, notDelivered: covered - that.length, costFen: fen, cumulativeDeliveries: cumN, cumulativeFen: cumFen });
        const d = await supplies.totals(who, campaignId, planId, { day });
        expect(d.totals).toEqual({ day, covered, delivered: that.length, notDelivered: covered - that.length, costFen: fen, cumulativeDeliveries: cumN, cumulativeFen: cumFen, plannedFen: covered * 10_000 * DAYS.length });
      }
      expect(t.series.totals).toEqual({ deliveries: mine.length, costFen: mine.reduce((s, r) => s + r.fen, 0), plannedFen: covered * 10_000 * DAYS.length });
    }
    // and in SQL, independently of the service's queries
    const sql = await a.t.db('care_supply_deliveries').where({ plan_id: planId }).groupBy('day').orderBy('day').select('day').count({ n: '*' }).sum({ fen: 'amount_fen' }) as Array<{ day: string; n: number | string; fen: number | string }>;
    const t = await supplies.totals(district, campaignId, planId, {});
    expect(sql.map((r) => [r.day, Number(r.n), Number(r.fen)])).toEqual(t.series.days.filter((d) => d.delivered > 0).map((d) => [d.day, d.delivered, d.costFen]));
  });

  it('when the day\'s list is paged, then every household comes exactly once, delivered and pending add up, and names are the register\'s by role', async () => {
    const { supplies } = a.deps.services;
    const day = DAYS[1]!;
    const seen = new Set<string>();
    let total = 0;
    for (let page = 1; ; page++) {
      const l = await supplies.dayList(district, campaignId, planId, { day, page, pageSize: 70 });
      total = l.total;
      for (const h of l.households) {
        seen.add(h.beneficiaryId);
        expect(h.masked).toBe(true);
        expect(Boolean(h.delivered)).toBe(log.has(`${h.beneficiaryId}|${day}`));
        if (h.delivered) expect(h.delivered.amountFen).toBe(log.get(`${h.beneficiaryId}|${day}`)!.fen);
      }
      if (page * 70 >= l.total) break;
    }
    expect(total).toBe(households.length);
    expect([...seen].sort()).toEqual(households.map((h) => h.id).sort());
    const delivered = await supplies.dayList(district, campaignId, planId, { day, status: 'delivered', pageSize: 1 });
    const pending = await supplies.dayList(district, campaignId, planId, { day, status: 'pending', pageSize: 1 });
    expect(delivered.total + pending.total).toBe(households.length);
    expect(delivered.total).toBe([...log.values()].filter((x) => x.day === day).length);
    const logged = async () => Number(((await a.t.db('beneficiary_access_log').where({ purpose: 'supplies', user_id: c3.id }).count({ n: '*' })) as Array<{ n: number | string }>)[0]!.n);
    const before = await logged();
    const own = await supplies.dayList(c3, campaignId, planId, { day, pageSize: 200 });
    expect(own.total).toBe(households.filter((h) => h.communityId === 'cm-haibin').length);
    expect(own.households.every((h) => !h.masked && h.communityId === 'cm-haibin')).toBe(true);
    expect(await logged()).toBe(before + own.households.length);
    await expect(supplies.dayList(c1, campaignId, planId, { day: '2026-03-06' })).rejects.toMatchObject({ status: 422, fields: { day: 'validation.supplyDayOutside' } });
  });
});
