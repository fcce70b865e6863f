// Issue 10 item 7, through the page routes on the real database: who approves budgets, who buys and
// who pays follow the project's rules version. For the defaults (the district approves and pays,
// the community buys) and for a version where the street does all three, each role posts the forms
// of APPROVE_BUDGET, AWARD and RECORD_PAYMENT with a valid token: exactly the party the rules name
// changes the project (303), every other role is refused (403) and nothing changes. Where the street
// both reviews and approves, the user who sent APPROVE may not send APPROVE_BUDGET.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, goodsProject, passNotice, shanghaiDay, toBudgetApproval, U, VENDORS, type Api } from '../support/lifecycle.js';
import { agentFor, csrfOf, type Agent } from './pages-helpers.js';
import { DEFAULT_RULES } from '../../workflows/project/index.js';

const STREET2 = 'street-approver@example.org';
const STREET_FINANCE = 'street-finance@example.org';
const WHO = [U.c1, U.c2, U.street, STREET2, U.district, U.finance, STREET_FINANCE] as const;
type Who = (typeof WHO)[number];

/** Per event, the users of the party the rules name (all of its users in scope; the first sends). */
interface Setting {
  name: string;
  parties: typeof DEFAULT_RULES.parties;
  approves: Who[];
  buys: Who[];
  pays: Who[];
}

const SETTINGS: Setting[] = [
  { name: 'the defaults: the district approves and pays, the community buys', parties: DEFAULT_RULES.parties, approves: [U.district], buys: [U.c1, U.c2], pays: [U.finance] },
  // street@ sent APPROVE: four-eyes keeps it from APPROVE_BUDGET, so only the other street user approves
  { name: 'a street that approves, buys and pays', parties: { purchaser: 'street', budgetApprover: 'street', payer: 'street' }, approves: [STREET2], buys: [U.street, STREET2], pays: [STREET_FINANCE] },
];

describe('who approves, buys and pays, by the rules version, through the page routes', () => {
  let app: TestApp;
  let a: Api;
  const agents = new Map<Who, Agent>();

  async function version(id: string): Promise<number> {
    return Number((await app.deps.db('workflow_instances').where({ id }).first('version')).version);
  }

  async function post(who: Who, id: string, type: string, body: Record<string, string>) {
    const agent = agents.get(who)!;
    const page = await agent.get(`/projects/${id}`);
    expect(page.status, `${who} opens ${id}`).toBe(200);
    return agent.post(`/projects/${id}/events/${type}`).type('form').send({ _csrf: csrfOf(page.text), expectedVersion: String(await version(id)), ...body });
  }

  /** Every user outside `allowed` is refused with 403 and changes nothing; each allowed one is offered the event; the first sends it. */
  async function onlyParty(allowed: Who[], id: string, type: string, body: Record<string, string>, fourEyes: Who[] = []) {
    for (const who of allowed) {
      const offered = (await a.project(who, id)).allowedEvents.find((e) => e.type === type);
      expect(offered?.allowed, `${who} is offered ${type}`).toBe(true);
    }
    for (const who of WHO.filter((w) => !allowed.includes(w))) {
      const before = await version(id);
      const res = await post(who, id, type, body);
      expect(res.status, `${who} ${type}`).toBe(403);
      if (fourEyes.includes(who)) expect(res.text, `${who} ${type}`).toContain('按不相容岗位分离要求');
      expect(await version(id), `${who} ${type}`).toBe(before);
    }
    const res = await post(allowed[0]!, id, type, body);
    expect(res.status, `${allowed[0]} ${type}: ${res.text.slice(0, 300)}`).toBe(303);
  }

  beforeAll(async () => {
    app = await createTestApp();
    a = api(app);
    await app.deps.services.users.create({ email: STREET2, name: '拱北街道审批', role: 'street', streetId: 'st-gongbei', password: 'weishishi-demo' });
    await app.deps.services.users.create({ email: STREET_FINANCE, name: '拱北街道财务', role: 'finance', streetId: 'st-gongbei', password: 'weishishi-demo' });
    for (const who of WHO) agents.set(who, await agentFor(app, who));
  });
  afterAll(async () => app?.close());

  it.each(SETTINGS.map((s) => [s.name, s] as const))('%s', async (_name, setting) => {
    if (setting.parties.purchaser === 'street') {
      const current = await app.deps.services.rules.current('xz');
      await app.deps.services.rules.publish('xz', { ...current, parties: setting.parties }, null, '街道采购、审批、支付');
    }
    const p = await a.create(U.c1, goodsProject({ title: `分工测试：${setting.name}` }));
    // the built-in defaults are version 3; the first published version is 4
    expect(p.rulesVersion).toBe(setting.parties.purchaser === 'street' ? 4 : 3);
    await toBudgetApproval(app, p.id); // APPROVE by U.street
    await onlyParty(setting.approves, p.id, 'APPROVE_BUDGET', { approvedFen: '36000' }, setting.parties.budgetApprover === 'street' ? [U.street] : []);
    await passNotice(app, await a.project(U.c1, p.id));
    expect((await a.project(U.c1, p.id)).state).toBe('procurement.preparing');
    await onlyParty(setting.buys, p.id, 'AWARD', { vendorId: VENDORS.kangfu, amountFen: '35000', justification: '单一来源直接采购' });
    await a.ok(setting.buys[0]!, p.id, 'SIGN_CONTRACT', { contractNo: `HT-P-${p.ref}`, items: [{ name: '履带式爬楼机', quantity: 2, unitFen: 1_750_000 }], amountFen: 3_500_000, dueOn: shanghaiDay(app, 30) });
    await a.ok(U.v1, p.id, 'CONFIRM_CONTRACT');
    await onlyParty(setting.pays, p.id, 'RECORD_PAYMENT', { tranche: 'advance', amountFen: '10500', voucherNo: 'PZ-P-1' });
    expect((await a.project(U.c1, p.id)).paidFen).toBe(1_050_000);
  });
});
