// Care-call lists (issue 15 item 3) on every database the storage suites run on: a campaign over
// 1,200+ residents split among 3 operators; each operator's day-1 list pages and counts; calls
// logged (reached, not reached, one with 2 problems → 2 needs of source `call` in the call's
// transaction); on day 2 the not-reached come first; 3 misses in a row → one escalation and its
// notices, once; an operator reads unmasked only its running campaign's residents, each read logged;
// not assigned or after the end date: 403; a community cannot build a campaign over another one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/users.js';
import { STORAGE_KINDS } from '../support/db.js';
import { createTestApp, type TestApp } from '../support/app.js';

const DAY_MS = 86_400_000;
const RESIDENTS = 1200;

describe.each(STORAGE_KINDS)('care-call campaigns on %s', (kind) => {
  let a: TestApp;
  let c1: User;
  let c3: User;
  const ops: User[] = [];
  let outsider: User;
  let campaignId = '';
  let members = 0;

  const user = async (email: string): Promise<User> => {
    const r = await a.t.db('users').where({ email }).first('id');
    return a.deps.services.users.get(r.id);
  };
  const n = async (table: string, where: Record<string, unknown>) => Number(((await a.t.db(table).where(where).count({ n: '*' })) as Array<{ n: number | string }>)[0]!.n);
  const forbidden = (code: string) => expect.objectContaining({ status: 403, reasons: [expect.objectContaining({ code })] });

  beforeAll(async () => {
    a = await createTestApp({ kind });
    c1 = await user('community1@example.org');
    c3 = await user('community3@example.org');
    for (const i of [1, 2, 3, 4]) {
      const u = await a.deps.services.users.create({ email: `op${i}@example.org`, name: `话务员${i}`, role: 'operator', password: 'operator-password', districtId: c1.districtId! });
      if (i <= 3) ops.push(u);
      else outsider = u;
    }
    // the register: 1,200 residents living alone in 莲花, 40 who do not, and 30 living alone in 海滨
    const at = a.clock.now().toISOString();
    const rows = [
      ...Array.from({ length: RESIDENTS }, (_, i) => ({ community: 'cm-lianhua', alone: true, i })),
      ...Array.from({ length: 40 }, (_, i) => ({ community: 'cm-lianhua', alone: false, i: RESIDENTS + i })),
      ...Array.from({ length: 30 }, (_, i) => ({ community: 'cm-haibin', alone: true, i: RESIDENTS + 40 + i })),
    ].map((r) => ({
      id: `cc-${String(r.i).padStart(5, '0')}`, community_id: r.community, id_number: `44040219500101${String(r.i).padStart(4, '0')}`, name: `关爱居民${r.i}`,
      phone: `139${String(10_000_000 + r.i)}`, address: `香洲区拱北莲花路${r.i}号`, living_situation: r.alone ? 'alone' : 'family', lives_alone: r.alone, needs_daily_contact: false,
      created_by: c1.id, created_at: at,
    }));
    for (let i = 0; i < rows.length; i += 100) await a.t.db('beneficiaries').insert(rows.slice(i, i + 100));
    members = await n('beneficiaries', { community_id: 'cm-lianhua', lives_alone: true });
  }, 180_000);
  afterAll(async () => a?.close());

  it('when community staff build a campaign from their register, then it holds the matching residents and another community may not build one there', async () => {
    const { campaigns } = a.deps.services;
    const input = { name: '春节独居老人关爱电话', area: 'community:cm-lianhua', flags: ['alone'], startOn: '2026-03-02', endOn: '2026-03-08', operatorIds: ops.map((o) => o.id) };
    await expect(campaigns.create(c3, input)).rejects.toEqual(forbidden('OUT_OF_SCOPE'));
    await expect(campaigns.create(ops[0]!, input)).rejects.toEqual(forbidden('WRONG_ROLE'));
    await expect(campaigns.create(c1, { ...input, operatorIds: [c1.id] })).rejects.toMatchObject({ status: 422, fields: { operatorIds: 'validation.operator' } });
    await expect(campaigns.create(c1, { ...input, endOn: '2026-03-01' })).rejects.toMatchObject({ status: 422, fields: { endOn: 'validation.endBeforeStart' } });
    expect(await n('care_campaigns', {})).toBe(0);

    const c = await campaigns.create(c1, input);
    campaignId = c.id;
    expect(members).toBeGreaterThanOrEqual(RESIDENTS);
    expect(c).toMatchObject({ residentCount: members, callsPerDay: 1, missLimit: 3, running: true, area: 'community:cm-lianhua' });
    expect(await n('care_campaign_members', { campaign_id: c.id })).toBe(members);
    expect(await n('care_campaign_members', { campaign_id: c.id, community_id: 'cm-haibin' })).toBe(0);
    expect((await campaigns.listFor(c1)).campaigns.map((x) => x.id)).toEqual([c.id]);
    expect((await campaigns.listFor(c3)).total).toBe(0);
    expect((await campaigns.listFor(ops[1]!)).campaigns.map((x) => x.id)).toEqual([c.id]);
    expect((await campaigns.listFor(outsider)).total).toBe(0);
  });

  it('when each operator opens day 1, then the residents are split among them, each list paged and counted, each shown row read unmasked and logged', async () => {
    const { campaigns } = a.deps.services;
    const seen = new Set<string>();
    let total = 0;
    for (const op of ops) {
      const first = await campaigns.callList(op, campaignId);
      const pages = Math.ceil(first.total / 50);
      expect(first.rows).toHaveLength(50);
      expect(first.progress).toEqual({ calls: 0, reached: 0, due: first.total });
      expect(first.rows[0]!.beneficiary).toMatchObject({ masked: false, name: expect.stringMatching(/^关爱居民\d+$/), phone: expect.stringMatching(/^139\d{8}$/) });
      const last = await campaigns.callList(op, campaignId, { page: pages });
      expect(last.rows).toHaveLength(first.total - (pages - 1) * 50);
      for (let p = 1; p <= pages; p++) for (const r of (await campaigns.callList(op, campaignId, { page: p })).rows) seen.add(r.beneficiary.id);
      total += first.total;
      expect(await n('beneficiary_access_log', { user_id: op.id, purpose: 'care-call' })).toBe(50 + (first.total - (pages - 1) * 50) + first.total);
    }
    expect(total).toBe(members);
    expect(seen.size).toBe(members); // disjoint shares covering everyone
    await expect(campaigns.callList(ops[0]!, campaignId, { day: '2026-03-03' })).rejects.toMatchObject({ status: 422 });
  });

  it('when an operator logs calls, then a problem raised becomes a need of source call in the same go, a call twice the same day is refused, and the day counts', async () => {
    const { campaigns } = a.deps.services;
    const op = ops[0]!;
    const [r1, r2, r3] = (await campaigns.callList(op, campaignId)).rows.map((r) => r.beneficiary.id);
    await campaigns.logCall(op, campaignId, { beneficiaryId: r1, reached: true, note: '身体不错' });
    const missed = await campaigns.logCall(op, campaignId, { beneficiaryId: r2, reached: false });
    expect(missed.call).toMatchObject({ reached: false, misses: 1, escalated: false, needIds: [] });
    const withNeeds = await campaigns.logCall(op, campaignId, { beneficiaryId: r3, reached: true, problems: [{ type: 'daily_care' }, { type: 'medical_rehab', description: '腿脚不便，需要康复指导' }], note: '希望有人上门' });
    expect(withNeeds.call.needIds).toHaveLength(2);
    // each need is linked to its call for the campaign's report
    expect(await a.t.db('care_call_needs').where({ campaign_id: campaignId }).orderBy('need_id').select('need_id', 'call_id', 'day')).toEqual(
      [...withNeeds.call.needIds].sort().map((needId) => ({ need_id: needId, call_id: withNeeds.call.id, day: withNeeds.call.day })));
    const needs = await a.t.db('needs').whereIn('id', withNeeds.call.needIds).orderBy('type');
    expect(needs.map((x) => [x.source, x.type, x.beneficiary_id, x.community_id, x.state])).toEqual([
      ['call', 'daily_care', r3, 'cm-lianhua', 'received'], ['call', 'medical_rehab', r3, 'cm-lianhua', 'received'],
    ]);
    // the community sees the need with its resident (its own register, logged as such)
    const need = await a.deps.services.needs.get(c1, withNeeds.call.needIds[1]!);
    expect(need).toMatchObject({ source: 'call', description: '腿脚不便，需要康复指导', beneficiary: { id: r3, masked: false } });

    await expect(campaigns.logCall(op, campaignId, { beneficiaryId: r1, reached: true })).rejects.toMatchObject({ status: 409, reasons: [{ code: 'CALL_NOT_DUE' }] });
    await expect(campaigns.logCall(op, campaignId, { beneficiaryId: r2, reached: false, problems: [{ type: 'other' }] })).rejects.toMatchObject({ status: 422, fields: { problems: 'validation.problemsNeedReach' } });
    await expect(campaigns.logCall(op, campaignId, { beneficiaryId: r2, reached: 'maybe' })).rejects.toMatchObject({ status: 422 });
    await expect(campaigns.logCall(op, campaignId, { beneficiaryId: 'cc-01250', reached: true })).rejects.toMatchObject({ status: 404 }); // 海滨: not in the campaign
    await expect(campaigns.logCall(c1, campaignId, { beneficiaryId: r2, reached: true })).rejects.toEqual(forbidden('WRONG_ROLE'));
    expect(await n('care_calls', { campaign_id: campaignId })).toBe(3);

    const l = await campaigns.callList(op, campaignId);
    expect(l.progress).toEqual({ calls: 3, reached: 2, due: l.total });
    expect(l.rows.map((r) => r.beneficiary.id)).not.toContain(r2); // called today: due again tomorrow
    const day = await campaigns.dayOf(c1, campaignId);
    expect(day.progress).toMatchObject({ calls: 3, reached: 2, due: members - 3 });
  });

  it('when day 2 comes, then the resident not reached yesterday comes first; after 3 misses in a row the resident is escalated once, with notices to the community', async () => {
    const { campaigns } = a.deps.services;
    const op = ops[0]!;
    const missedId = (await a.t.db('care_calls').where({ campaign_id: campaignId, reached: false }).first('beneficiary_id')).beneficiary_id as string;
    a.clock.advance(DAY_MS);
    const day2 = await campaigns.callList(op, campaignId);
    expect(day2.rows[0]).toMatchObject({ beneficiary: { id: missedId }, lastOutcome: 'missed', misses: 1 });
    expect(day2.progress).toEqual({ calls: 0, reached: 0, due: day2.total });
    expect((await campaigns.callList(ops[1]!, campaignId)).rows[0]!.lastOutcome).toBeNull();

    const staff = await n('users', { role: 'community', community_id: 'cm-lianhua', disabled: false });
    const notices = () => n('outbox', { template: 'care_escalation' });
    const before = await notices();
    expect((await campaigns.logCall(op, campaignId, { beneficiaryId: missedId, reached: false })).call).toMatchObject({ misses: 2, escalated: false });
    a.clock.advance(DAY_MS);
    expect((await campaigns.callList(op, campaignId)).rows[0]!.beneficiary.id).toBe(missedId);
    expect((await campaigns.logCall(op, campaignId, { beneficiaryId: missedId, reached: false })).call).toMatchObject({ misses: 3, escalated: true });
    expect(await a.t.db('care_escalations').where({ campaign_id: campaignId }).select('beneficiary_id', 'community_id', 'misses', 'notices')).toEqual([
      { beneficiary_id: missedId, community_id: 'cm-lianhua', misses: 3, notices: staff },
    ]);
    expect(await notices()).toBe(before + staff);
    const mail = await a.t.db('outbox').where({ template: 'care_escalation' }).first();
    expect(mail.subject).toContain('连续 3 次未接通');
    expect(mail.text).not.toContain('关爱居民'); // no personal data leaves in e-mails
    // a fourth miss escalates nothing more
    a.clock.advance(DAY_MS);
    expect((await campaigns.logCall(op, campaignId, { beneficiaryId: missedId, reached: false })).call).toMatchObject({ misses: 4, escalated: false });
    expect(await n('care_escalations', { campaign_id: campaignId })).toBe(1);
    expect(await notices()).toBe(before + staff);
    const esc = await campaigns.escalations(c1, campaignId);
    expect(esc.escalations).toHaveLength(1);
    expect(esc.escalations[0]!.name).toContain('*'); // masked in the list; the register page unmasks it for the community
  });

  it('when an operator is not assigned, or the campaign has ended, then it reads nothing (403) and nothing is logged', async () => {
    const { campaigns, beneficiaries } = a.deps.services;
    const some = (await a.t.db('care_campaign_members').where({ campaign_id: campaignId }).first('beneficiary_id')).beneficiary_id as string;
    const logged = () => n('beneficiary_access_log', { purpose: 'care-call' });
    const before = await logged();
    await expect(campaigns.callList(outsider, campaignId)).rejects.toEqual(forbidden('OUT_OF_SCOPE'));
    await expect(campaigns.resident(outsider, campaignId, some)).rejects.toEqual(forbidden('OUT_OF_SCOPE'));
    await expect(campaigns.logCall(outsider, campaignId, { beneficiaryId: some, reached: true })).rejects.toEqual(forbidden('OUT_OF_SCOPE'));
    // no way round the lists: the register refuses operators outright, never masks
    await expect(beneficiaries.get(ops[0]!, some)).rejects.toEqual(forbidden('WRONG_ROLE'));
    await expect(beneficiaries.page(ops[0]!, 'cm-lianhua')).rejects.toEqual(forbidden('WRONG_ROLE'));
    // while running: one resident unmasked, logged
    const r = await campaigns.resident(ops[2]!, campaignId, some);
    expect(r.beneficiary.masked).toBe(false);
    expect(await logged()).toBe(before + 1);
    a.clock.set('2026-03-08T15:59:00.000Z'); // 23:59 on the last day in Shanghai: still running
    expect((await campaigns.callList(ops[2]!, campaignId, { pageSize: 1 })).rows).toHaveLength(1);
    a.clock.set('2026-03-08T16:00:00.000Z'); // 00:00 on 9 March in Shanghai: ended
    const after = await logged();
    await expect(campaigns.callList(ops[2]!, campaignId)).rejects.toEqual(forbidden('CAMPAIGN_NOT_RUNNING'));
    await expect(campaigns.resident(ops[2]!, campaignId, some)).rejects.toEqual(forbidden('CAMPAIGN_NOT_RUNNING'));
    await expect(campaigns.logCall(ops[2]!, campaignId, { beneficiaryId: some, reached: true })).rejects.toEqual(forbidden('CAMPAIGN_NOT_RUNNING'));
    expect(await logged()).toBe(after);
    expect((await campaigns.get(c1, campaignId)).running).toBe(false);
  });
  it('when the district builds a campaign over the whole district, then it takes every community\'s matching residents; a street only its own street', async () => {
    const { campaigns } = a.deps.services;
    const district = await user('district@example.org');
    const street = await user('street@example.org'); // 拱北: 莲花 and 粤海
    const input = { name: '台风期间全区独居居民关爱电话', area: 'district', flags: ['alone'], startOn: '2026-03-09', endOn: '2026-03-10', operatorIds: [outsider.id] };
    await expect(campaigns.create(street, input)).rejects.toEqual(forbidden('OUT_OF_SCOPE'));
    await expect(campaigns.create(street, { ...input, area: 'street:st-jida' })).rejects.toEqual(forbidden('OUT_OF_SCOPE'));
    await expect(campaigns.create(street, { ...input, area: 'community:cm-haibin' })).rejects.toEqual(forbidden('OUT_OF_SCOPE'));
    await expect(campaigns.create(district, { ...input, area: 'street:nowhere' })).rejects.toMatchObject({ status: 422, fields: { area: 'validation.invalid' } });
    const all = await campaigns.create(district, input);
    expect(all.residentCount).toBe(await n('beneficiaries', { lives_alone: true }));
    expect(await n('care_campaign_members', { campaign_id: all.id, community_id: 'cm-haibin' })).toBeGreaterThanOrEqual(30);
    const own = await campaigns.create(street, { ...input, area: 'street:st-gongbei' });
    expect(await n('care_campaign_members', { campaign_id: own.id, community_id: 'cm-haibin' })).toBe(0);
    // 海滨's staff see the district's campaign (it covers them), not 拱北's
    expect((await campaigns.listFor(c3)).campaigns.map((x) => x.id)).toEqual([all.id]);
    expect((await campaigns.callList(outsider, all.id, { pageSize: 5 })).total).toBe(all.residentCount);
  });

  it('when a campaign calls only the severely disabled daily, then the others are due until reached once, and the severe every day', async () => {
    const { campaigns } = a.deps.services;
    await a.t.db('beneficiaries').whereIn('id', ['cc-01250', 'cc-01251', 'cc-01252']).update({ disability_level: '一级' });
    await a.t.db('beneficiaries').whereIn('id', ['cc-01253', 'cc-01254']).update({ disability_level: '三级' });
    a.clock.set('2026-03-09T02:00:00.000Z');
    const input = { name: '海滨社区封控期间关爱电话', area: 'community:cm-haibin', startOn: '2026-03-09', endOn: '2026-03-12', dailyLevels: ['一级', '二级'], operatorIds: [outsider.id] };
    await expect(campaigns.create(c3, { ...input, dailyLevels: ['五级'] })).rejects.toMatchObject({ status: 422, fields: { 'dailyLevels.0': 'validation.enum' } });
    const c = await campaigns.create(c3, input);
    expect(c.dailyLevels).toEqual(['一级', '二级']);
    const cadence = new Map((await a.t.db('care_campaign_members').where({ campaign_id: c.id }).select('beneficiary_id', 'cadence')).map((m) => [m.beneficiary_id as string, m.cadence as string]));
    expect(cadence.get('cc-01250')).toBe('daily');
    expect(cadence.get('cc-01253')).toBe('once');
    expect([...cadence.values()].filter((x) => x === 'daily')).toHaveLength(3);
    const due = async () => (await campaigns.callList(outsider, c.id, { pageSize: 200 })).rows.map((r) => r.beneficiary.id);
    // day 1: everyone; one "once" resident reached, another missed; one severe resident reached
    expect((await due()).length).toBe(c.residentCount);
    await campaigns.logCall(outsider, c.id, { beneficiaryId: 'cc-01253', reached: true });
    await campaigns.logCall(outsider, c.id, { beneficiaryId: 'cc-01254', reached: false });
    await campaigns.logCall(outsider, c.id, { beneficiaryId: 'cc-01250', reached: true });
    a.clock.advance(DAY_MS);
    // day 2: the reached "once" resident is done; the missed one comes back first; the severe one is due again
    const d2 = await due();
    expect(d2).not.toContain('cc-01253');
    expect(d2[0]).toBe('cc-01254');
    expect(d2).toContain('cc-01250');
    expect(d2.length).toBe(c.residentCount - 1);
    expect((await campaigns.resident(outsider, c.id, 'cc-01253')).due).toBe(false);
    await expect(campaigns.logCall(outsider, c.id, { beneficiaryId: 'cc-01253', reached: true })).rejects.toMatchObject({ status: 409, reasons: [{ code: 'CALL_NOT_DUE' }] });
  });

  it('when staff change a running campaign, then the end moves, the list is shared out again among the new operators, and residents registered since join; an ended campaign changes no more', async () => {
    const { campaigns } = a.deps.services;
    a.clock.set('2026-03-10T02:00:00.000Z');
    const c = await campaigns.create(c3, { name: '海滨社区独居居民关爱电话', area: 'community:cm-haibin', flags: ['alone'], startOn: '2026-03-10', endOn: '2026-03-11', operatorIds: [outsider.id] });
    const before = c.residentCount;
    // a new resident living alone registers in 海滨 after the campaign began
    await a.t.db('beneficiaries').insert({
      id: 'cc-new-01', community_id: 'cm-haibin', id_number: '440402195001019999', name: '新登记居民', phone: '13900000000', address: '香洲区海滨路1号',
      living_situation: 'alone', lives_alone: true, needs_daily_contact: false, created_by: c3.id, created_at: a.clock.now().toISOString(),
    });
    const change = { endOn: '2026-03-20', callsPerDay: 2, missLimit: 5, operatorIds: [outsider.id, ops[0]!.id], addResidents: true };
    await expect(campaigns.update(c1, c.id, change)).rejects.toMatchObject({ status: 403 }); // 莲花 does not see 海滨's campaign
    await expect(campaigns.update(ops[0]!, c.id, change)).rejects.toEqual(forbidden('WRONG_ROLE'));
    await expect(campaigns.update(c3, c.id, { ...change, endOn: '2026-03-09' })).rejects.toMatchObject({ status: 422, fields: { endOn: 'validation.endInPast' } });
    await expect(campaigns.update(c3, c.id, { ...change, operatorIds: [c1.id] })).rejects.toMatchObject({ status: 422, fields: { operatorIds: 'validation.operator' } });
    expect((await campaigns.get(c3, c.id)).endOn).toBe('2026-03-11'); // refusals changed nothing

    const done = await campaigns.update(c3, c.id, change);
    expect(done.added).toBe(1);
    expect(done.campaign).toMatchObject({ endOn: '2026-03-20', callsPerDay: 2, missLimit: 5, residentCount: before + 1, updatedBy: c3.id });
    expect(done.campaign.operators.map((o) => [o.id, o.slot])).toEqual([[outsider.id, 0], [ops[0]!.id, 1]]);
    const members = await a.t.db('care_campaign_members').where({ campaign_id: c.id }).orderBy('position').select('beneficiary_id', 'position', 'slot');
    expect(members.at(-1)).toMatchObject({ beneficiary_id: 'cc-new-01', position: before });
    expect(members.every((m) => Number(m.slot) === Number(m.position) % 2)).toBe(true);
    // each operator's list is its share; together they cover the list
    const a0 = (await campaigns.callList(outsider, c.id, { pageSize: 200 })).total;
    const a1 = (await campaigns.callList(ops[0]!, c.id, { pageSize: 200 })).total;
    expect(a0 + a1).toBe(before + 1);
    // taken in twice: nobody joins twice
    expect((await campaigns.update(c3, c.id, change)).added).toBe(0);
    a.clock.set('2026-03-21T02:00:00.000Z');
    await expect(campaigns.update(c3, c.id, { ...change, endOn: '2026-03-30' })).rejects.toMatchObject({ status: 409, reasons: [{ code: 'CAMPAIGN_ENDED' }] });
  });
});
