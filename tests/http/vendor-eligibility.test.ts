// Vendor eligibility as programme rules (issue 14, item 1): INVITE and AWARD refuse a vendor the
// project's rules version finds ineligible — too new, a recent violation, too few staff — with the
// rule's reason, through the API and the project page, on every storage kind; the eligible path
// still works; a rating below 3A never refuses; the history records the vendors' records.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { STORAGE_KINDS } from '../support/db.js';
import { api, expectRefused, goodsProject, toPreparing, U, VENDORS, type NewProject } from '../support/lifecycle.js';
import { agentFor, csrfOf } from './pages-helpers.js';
import { toActor, type User } from '../../src/auth/users.js';
import { createEngine } from '../../src/engine/engine.js';
import { verifyAll } from '../../src/engine/verify.js';
import type { Trx } from '../../src/lib/db.js';
import type { Notify } from '../../src/notifications/notifier.js';
import { projectDefinition, projectEffects } from '../../src/projects/project-definition.js';
import { RULES_V2, type ProjectInput } from '../../workflows/project/index.js';

/** A direct (< ¥50,000) service project: one vendor to invite, or a direct award. */
const servicesProject = (over: Partial<NewProject> = {}): NewProject => goodsProject({
  title: '上门探访服务', type: 'services', category: '探访慰藉', mainGroup: '老年人', estimatedFen: 3_000_000,
  items: [{ name: '上门探访（人次）', quantity: 600, unitFen: 5_000 }], ...over,
});

/** The rule each vendor fails (T0 is 2026-03-02 in Shanghai). */
const INELIGIBLE = {
  tooNew: { id: 'vd-e-new', record: { registeredOn: '2025-09-01', fullTimeStaff: 5 }, code: 'VENDOR_TOO_NEW', text: '不满 1 年' },
  violation: { id: 'vd-e-viol', record: { registeredOn: '2015-01-01', fullTimeStaff: 5 }, code: 'VENDOR_RECENT_VIOLATION', text: '违规记录' },
  fewStaff: { id: 'vd-e-staff', record: { registeredOn: '2015-01-01', fullTimeStaff: 2 }, code: 'VENDOR_TOO_FEW_STAFF', text: '少于本项目适用的实施规则要求的 3 人' },
} as const;
const LOW_RATING = 'vd-e-1a';

async function addVendors(app: TestApp): Promise<void> {
  const { reference, vendorRecords, users } = app.deps.services;
  const vendor = (id: string, record: Record<string, unknown>) =>
    reference.createVendor({ name: `资格测试 ${id}`, email: `${id}@example.org`, types: ['services'], ...record }, undefined, id);
  for (const v of Object.values(INELIGIBLE)) await vendor(v.id, v.record);
  await vendor(LOW_RATING, { registeredOn: '2015-01-01', fullTimeStaff: 4, rating: '1A' });
  const admin = (await users.findByEmail(U.admin)) as User;
  // an old violation (outside the two years) does not count; a recent one does
  await vendorRecords.addViolation(admin, INELIGIBLE.violation.id, { occurredOn: '2022-01-10', source: '区市场监督管理局', description: '旧的违规' });
  await vendorRecords.addViolation(admin, INELIGIBLE.violation.id, { occurredOn: '2025-06-01', source: '区民政局抽查', description: '虚报服务人次' });
}

const deadline = (app: TestApp) => new Date(app.clock.now().getTime() + 7 * 86_400_000).toISOString();

describe.each(STORAGE_KINDS)('vendor eligibility on %s', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ kind });
    await addVendors(app);
  }, 120_000);
  afterAll(() => app?.close());

  it.each(Object.entries(INELIGIBLE))('when a %s vendor is invited or awarded through the API, then it is refused with the rule\'s reason and nothing changes', async (_name, v) => {
    const a = api(app);
    const p = await toPreparing(app, (await a.create(U.c1, servicesProject())).id);
    const invite = await a.send(U.c1, p.id, 'INVITE', { vendorIds: [v.id], deadline: deadline(app) });
    expectRefused(invite, 409, 'EVENT_NOT_ALLOWED', v.code);
    const reason = invite.body.error.reasons.find((r: { code: string }) => r.code === v.code);
    expect(reason.params.vendorId).toBe(v.id);
    expect(reason.message).toContain(v.text);
    const award = await a.send(U.c1, p.id, 'AWARD', { vendorId: v.id, amountFen: 3_000_000, justification: '单一来源直接采购。' });
    expectRefused(award, 409, 'EVENT_NOT_ALLOWED', v.code);
    const after = await a.project(U.c1, p.id);
    expect([after.state, after.version]).toEqual([p.state, p.version]);
    // the English message names the vendor too
    const en = await a.send(U.c1, p.id, 'INVITE', { vendorIds: [v.id], deadline: deadline(app) }, { 'Accept-Language': 'en' });
    expect(en.body.error.reasons.find((r: { code: string }) => r.code === v.code).message).toContain(`资格测试 ${v.id}`);
  }, 120_000);

  it('when an eligible vendor is invited, then the invitation goes through and its history records the vendor\'s record', async () => {
    const a = api(app);
    const p = await toPreparing(app, (await a.create(U.c1, servicesProject())).id);
    const invited = await a.ok(U.c1, p.id, 'INVITE', { vendorIds: [VENDORS.xinyuan], deadline: deadline(app) });
    expect(invited.state).toBe('procurement.quoting');
    const history = (await a.get(U.c1, `/projects/${p.id}/history`)).body.history as Array<{ type: string; payload: Record<string, unknown> }>;
    const row = history.find((h) => h.type === 'INVITE')!;
    expect(row.payload.vendorRecords).toMatchObject({ [VENDORS.xinyuan]: { registeredOn: '2013-03-15', fullTimeStaff: 8, rating: '4A', violations: [] } });
  }, 120_000);

  it('when a vendor rated below 3A is otherwise eligible, then it is invited and awarded (a rating is a preference, never a refusal)', async () => {
    const a = api(app);
    const p = await toPreparing(app, (await a.create(U.c1, servicesProject())).id);
    const awarded = await a.ok(U.c1, p.id, 'AWARD', { vendorId: LOW_RATING, amountFen: 3_000_000, justification: '单一来源直接采购。' });
    expect(awarded.state).toBe('procurement.contracting');
    const q = await toPreparing(app, (await a.create(U.c1, servicesProject())).id);
    expect((await a.ok(U.c1, q.id, 'INVITE', { vendorIds: [LOW_RATING], deadline: deadline(app) })).state).toBe('procurement.quoting');
  }, 120_000);

  it('when an award names a vendor that does not exist, then it is a 422 naming vendorId and nothing changes', async () => {
    const a = api(app);
    const p = await toPreparing(app, (await a.create(U.c1, servicesProject())).id);
    const res = await a.send(U.c1, p.id, 'AWARD', { vendorId: 'vd-nope', amountFen: 3_000_000, justification: '单一来源直接采购。' });
    expectRefused(res, 422, 'INVALID');
    expect(Object.keys(res.body.error.fields)).toEqual(['vendorId']);
    expect((await a.project(U.c1, p.id)).version).toBe(p.version);
  }, 120_000);

  it('when a goods project invites a vendor too new for services, then the goods rules (none) let it through', async () => {
    const a = api(app);
    await app.deps.services.reference.updateVendor(INELIGIBLE.tooNew.id, { name: `资格测试 ${INELIGIBLE.tooNew.id}`, email: `${INELIGIBLE.tooNew.id}@example.org`, types: ['services', 'goods'] });
    const p = await toPreparing(app, (await a.create(U.c1, goodsProject())).id);
    expect((await a.ok(U.c1, p.id, 'INVITE', { vendorIds: [INELIGIBLE.tooNew.id], deadline: deadline(app) })).state).toBe('procurement.quoting');
  }, 120_000);
});

describe('the invitation form and vendor eligibility', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
    await addVendors(app);
  }, 120_000);
  afterAll(() => app?.close());

  it('when the community opens the invitation form, then each ineligible vendor is shown disabled with its rule, eligible ones say so, 3A+ is marked preferred, and 1A is offered', async () => {
    const p = await toPreparing(app, (await api(app).create(U.c1, servicesProject())).id);
    const agent = await agentFor(app, U.c1);
    const html = (await agent.get(`/projects/${p.id}`)).text;
    const form = html.slice(html.indexOf('id="form-INVITE"'), html.indexOf('</form>', html.indexOf('id="form-INVITE"')));
    for (const v of Object.values(INELIGIBLE)) {
      const box = new RegExp(`<input type="checkbox" id="[^"]*" name="vendorIds" value="${v.id}"[^>]*>`).exec(form)?.[0];
      expect(box, v.id).toContain(' disabled');
      const note = new RegExp(`value="${v.id}"[\\s\\S]*?<span class="choice-note choice-refused" id="[^"]+">([^<]*)</span>`).exec(form)?.[1];
      expect(note, v.id).toContain(v.text);
    }
    const xinyuan = new RegExp(`value="${VENDORS.xinyuan}"[^>]*>[\\s\\S]*?<span class="choice-note" id="[^"]+">([^<]*)</span>`).exec(form);
    expect(xinyuan?.[0]).not.toContain(' disabled');
    expect(xinyuan?.[1]).toContain('符合资格');
    expect(xinyuan?.[1]).toContain('评估等级 4A，优先考虑');
    const low = new RegExp(`value="${LOW_RATING}"[^>]*>[\\s\\S]*?<span class="choice-note" id="[^"]+">([^<]*)</span>`).exec(form);
    expect(low?.[0]).not.toContain(' disabled');
    // eligible, not preferred (then its performance record in one line, issue 14 item 2)
    expect(low?.[1]).toMatch(/^符合资格(；合同\d+份 · .*)?$/);
    expect(low?.[1]).not.toContain('优先考虑');
    // the award select (direct method) offers the same vendors, the ineligible ones disabled
    const award = html.slice(html.indexOf('id="form-AWARD"'));
    expect(new RegExp(`<option value="${INELIGIBLE.fewStaff.id}" disabled>[^<]*少于`).test(award)).toBe(true);
  }, 120_000);

  it.each(Object.entries(INELIGIBLE))('when the %s vendor is posted through the page anyway, then the page refuses it with the rule\'s reason and nothing changes', async (_name, v) => {
    const p = await toPreparing(app, (await api(app).create(U.c1, servicesProject())).id);
    const agent = await agentFor(app, U.c1);
    const page = await agent.get(`/projects/${p.id}`);
    const local = new Date(app.clock.now().getTime() + 8 * 3_600_000 + 7 * 86_400_000).toISOString().slice(0, 16);
    const res = await agent.post(`/projects/${p.id}/events/INVITE`).type('form')
      .send({ _csrf: csrfOf(page.text), expectedVersion: String(p.version), vendorIds: v.id, deadline: local });
    expect(res.status).toBe(409);
    expect(res.text).toContain(v.text);
    expect((await api(app).project(U.c1, p.id)).version).toBe(p.version);
  }, 120_000);
});

describe.each(STORAGE_KINDS)('histories written before vendor eligibility, on %s', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ kind });
    await addVendors(app);
  }, 120_000);
  afterAll(() => app?.close());

  it('when a project under rules version 2 invited a vendor the new rules refuse, with no vendor records on the event, then it still goes on and verify replays every history exactly', async () => {
    // The engine as it was: the calendar alone, no vendor records put on INVITE.
    const effects = projectEffects({ ledger: app.deps.services.ledger, notify: (async () => {}) as unknown as Notify });
    const before = createEngine({ db: app.deps.db, clock: app.clock, workflows: [projectDefinition()], effects, enrichEnv: (trx: Trx) => app.deps.services.calendar.calendar(trx) });
    const c1 = toActor((await app.deps.services.users.findByEmail(U.c1))!);
    const id = `v2-rules-${kind}`;
    const input: ProjectInput = {
      id, ref: 'XZ-2026-9951', communityId: 'cm-lianhua', streetId: 'st-gongbei', districtId: 'xz', year: 2026, budgetYear: 2026, mainGroup: '老年人', otherGroups: [],
      title: '旧规则下的上门探访', type: 'services', category: '探访慰藉', estimatedFen: 3_000_000, description: '规则第 2 版下立项的服务项目',
      items: [{ name: '上门探访（人次）', quantity: 600, unitFen: 5_000 }], beneficiaryCount: null,
      // the defaults of the time: rules version 2, no eligibility
      rules: RULES_V2, createdBy: c1.id,
    };
    await before.start('project', input, { actor: c1, id });
    await toPreparing(app, id);
    const invited = await before.send(id, { type: 'INVITE', vendorIds: [INELIGIBLE.tooNew.id], deadline: deadline(app) }, { actor: c1 });
    expect(invited.state).toBe('procurement.quoting');
    const row = await app.deps.engine.history(id);
    expect(row.find((h) => h.type === 'INVITE')!.payload).not.toHaveProperty('vendorRecords');
    // today's engine: the same project (rules version 2) still requires nothing of its vendors
    const a = api(app);
    const other = await a.create(U.c1, servicesProject());
    expect(other.rulesVersion).toBe(3);
    const p = await toPreparing(app, other.id);
    await a.ok(U.c1, p.id, 'INVITE', { vendorIds: [VENDORS.xinyuan], deadline: deadline(app) });
    // a violation recorded after the invitation changes nothing in the history's replay
    await app.deps.services.vendorRecords.addViolation((await app.deps.services.users.findByEmail(U.admin))!, VENDORS.xinyuan, { occurredOn: '2026-01-05', source: '区民政局', description: '事后发现的违规' });
    expect((await verifyAll(app.deps.engine, app.deps.db)).problems).toEqual([]);
  }, 120_000);
});
