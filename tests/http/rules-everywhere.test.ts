// Issue 10, "What it must show": a rules version with every value changed (7 notice days, 4 quotes,
// 85% satisfaction, 20/75/5 payments with a 24-month warranty, a ¾ quorum and a ⅗ majority, other
// lists, a street that buys, approves and pays) is published; projects started under it are driven
// through the lifecycle, and every page that cites a rule shows the new value and none of the
// defaults'. E-mails cite no rule value (they name the project and the step), which the last check
// keeps true.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, goodsProject, passNotice, shanghaiDay, U, VENDORS, type Api, type Project } from '../support/lifecycle.js';
import { rulesWithEveryValueChanged } from '../support/rules.js';
import { agentFor, type Agent } from './pages-helpers.js';
import { formatShanghai } from '../../src/lib/calendar.js';

const STREET2 = 'street-approver@example.org';
const STREET_FINANCE = 'street-finance@example.org';
/** How the defaults read on the pages: none may show once the changed rules are in force. */
const DEFAULT_TEXTS = ['三分之二', '二分之一', '满意度须达到 80%', '预付款 30%', '验收款 65%', '12 个月', '至少邀请 3 家', '互助关爱', '属于物业管理服务范围的事项'];
const CHECKLIST = { positiveArea: 'barrier_free', negativeItems: { commercial: false, staff_costs: false, banquets: false }, duplicate: false };
const VOTE = { members: 8, present: 6, for: 4, against: 2, abstain: 0, minutes: '居民议事会会议纪要。' };

describe('a rules version with every value changed, on every page that cites a rule', () => {
  let app: TestApp;
  let a: Api;
  const agents = new Map<string, Agent>();

  async function page(email: string, id: string): Promise<string> {
    const agent = agents.get(email) ?? (await agentFor(app, email));
    agents.set(email, agent);
    const res = await agent.get(`/projects/${id}`);
    expect(res.status, `${email} /projects/${id}`).toBe(200);
    return res.text;
  }

  function expectNoDefaults(where: string, html: string): void {
    for (const text of DEFAULT_TEXTS) expect(html.includes(text), `${where} shows the default “${text}”`).toBe(false);
  }

  /** draft → procurement.preparing under the changed rules, with the street approving and its notices of 7 working days. */
  async function toPreparing(title: string, estimatedFen: number): Promise<Project> {
    const p = await a.create(U.c1, goodsProject({ title, estimatedFen, items: [{ name: '履带式爬楼机', quantity: 1, unitFen: estimatedFen }] }));
    expect(p.rulesVersion).toBe(4);
    await a.ok(U.c1, p.id, 'SUBMIT');
    // screening offers the new lists, and only them
    const screening = await page(U.c2, p.id);
    expect(screening).toContain('无障碍环境建设');
    expect(screening).toContain('宴请及礼品');
    expectNoDefaults('screening', screening);
    await a.ok(U.c2, p.id, 'SCREEN_PASS', { checklist: CHECKLIST });
    const deliberation = await page(U.c1, p.id);
    expect(deliberation).toContain('四分之三');
    expect(deliberation).toContain('五分之三');
    expectNoDefaults('deliberation', deliberation);
    // 5 of 8 present is below ¾: void; 6 of 8 with 4 for (more than ⅗ of 6) carries
    expect((await a.ok(U.c1, p.id, 'RECORD_DELIBERATION', { ...VOTE, present: 5, for: 4, against: 1, heldOn: shanghaiDay(app) })).state).toBe('deliberation');
    const noticed = await a.ok(U.c1, p.id, 'RECORD_DELIBERATION', { ...VOTE, heldOn: shanghaiDay(app) });
    expect(noticed.state).toBe('public_notice');
    // 7 working days: from Monday 2026-03-02 (Shanghai), Wednesday 2026-03-11
    if (shanghaiDay(app) === '2026-03-02') expect(formatShanghai(String(noticed.deadlines.noticeEndsAt), 'date')).toBe('2026-03-11');
    await passNotice(app, noticed);
    await a.ok(U.street, p.id, 'APPROVE');
    // the street approves the budget, but not the user who approved the proposal
    expect((await a.send(U.street, p.id, 'APPROVE_BUDGET', { approvedFen: estimatedFen })).body.error.reasons[0].code).toBe('FOUR_EYES');
    expect((await a.send(U.district, p.id, 'APPROVE_BUDGET', { approvedFen: estimatedFen })).status).toBe(403);
    const approved = await a.ok(STREET2, p.id, 'APPROVE_BUDGET', { approvedFen: estimatedFen });
    expect(approved.state).toBe('confirmation_notice');
    await passNotice(app, approved);
    const preparing = await a.project(U.street, p.id);
    expect(preparing.state).toBe('procurement.preparing');
    return preparing;
  }

  beforeAll(async () => {
    app = await createTestApp({ env: { UPLOAD_DIR: `/tmp/wss-test-uploads-rules-${process.pid}` } });
    a = api(app);
    const version = await app.deps.services.rules.publish('xz', rulesWithEveryValueChanged(), null, '全部规则值调整');
    expect(version.version).toBe(4);
    await app.deps.services.users.create({ email: STREET2, name: '拱北街道审批', role: 'street', streetId: 'st-gongbei', password: 'weishishi-demo' });
    await app.deps.services.users.create({ email: STREET_FINANCE, name: '拱北街道财务', role: 'finance', streetId: 'st-gongbei', password: 'weishishi-demo' });
  });
  afterAll(async () => app?.close());

  it('when a written-quotes project reaches procurement, then the street buyer is told to invite at least 4 vendors', async () => {
    // ¥100,000: written quotes (询价) between ¥30,000 and ¥150,000 under the changed thresholds
    const p = await toPreparing('四家询价测试', 10_000_000);
    expect(p.procurement!.method).toBe('quotation');
    const html = await page(U.street, p.id);
    expect(html).toContain('至少邀请 4 家');
    expectNoDefaults('preparing (street)', html);
    // the community no longer buys
    expect(await page(U.c1, p.id)).not.toContain('id="form-INVITE"');
  });

  it('when a direct purchase is driven to closed, then payment, acceptance and warranty pages cite the changed plan, threshold and months', async () => {
    const p = await toPreparing('二十四个月质保测试', 2_500_000);
    expect(p.procurement!.method).toBe('direct');
    await a.ok(U.street, p.id, 'AWARD', { vendorId: VENDORS.kangfu, amountFen: 2_500_000, justification: '直接采购' });
    await a.ok(U.street, p.id, 'SIGN_CONTRACT', { contractNo: 'HT-R-1', items: [{ name: '履带式爬楼机', quantity: 1, unitFen: 2_500_000 }], amountFen: 2_500_000, dueOn: shanghaiDay(app, 30) });
    const delivery = await a.ok(U.v1, p.id, 'CONFIRM_CONTRACT');
    const payment = await page(STREET_FINANCE, p.id);
    expect(payment).toContain('预付款 20%');
    expect(payment).toContain('验收款 75%');
    expect(payment).toContain('质保金 5%');
    expectNoDefaults('delivery (street finance)', payment);
    // district finance does not pay under these rules
    expect((await a.send(U.finance, p.id, 'RECORD_PAYMENT', { tranche: 'advance', amountFen: 500_000, voucherNo: 'PZ-1' })).status).toBe(403);
    await a.ok(STREET_FINANCE, p.id, 'RECORD_PAYMENT', { tranche: 'advance', amountFen: 500_000, voucherNo: 'PZ-1' });
    const item = delivery.contract!.items[0]!;
    await a.ok(U.v1, p.id, 'RECORD_DELIVERY', { itemId: item.id, quantity: 1, evidence: [await a.upload(U.v1, 'delivery.pdf')] });
    await a.ok(U.c2, p.id, 'CONFIRM_RECEIPT', { itemId: item.id, quantity: 1 });
    await a.ok(U.v1, p.id, 'REQUEST_ACCEPTANCE');
    const acceptance = await page(U.c2, p.id);
    expect(acceptance).toContain('满意度须达到 85%');
    expectNoDefaults('acceptance', acceptance);
    // goods under these rules: the community, the beneficiary and a supervisor sign
    const signatories = [{ role: 'community', name: '王强' }, { role: 'beneficiary', name: '黄秀英' }, { role: 'supervisor', name: '郑监理' }];
    expect((await a.send(U.c2, p.id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 84, signatories })).body.project.state).toBe('rectification');
    await a.ok(U.v1, p.id, 'RECTIFIED', { evidence: [await a.upload(U.v1, 'fix.pdf')] });
    const accepted = await a.ok(U.c2, p.id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 85, signatories });
    expect(accepted.state).toBe('acceptance_notice');
    const publicNotice = await app.http.get(`/public/projects/${p.id}`);
    expect(publicNotice.status).toBe(200);
    // 公示期 of 7 working days on the public page
    expect(publicNotice.text).toContain(formatShanghai(String(accepted.deadlines.noticeEndsAt), 'date'));
    await passNotice(app, accepted);
    await a.ok(STREET_FINANCE, p.id, 'RECORD_PAYMENT', { tranche: 'final', amountFen: 1_875_000, voucherNo: 'PZ-2' });
    const warranty = await a.ok(U.district, p.id, 'RECORD_EVALUATION', { score: 90, grade: '优秀', notes: '' });
    expect(warranty.state).toBe('warranty');
    expect(formatShanghai(String(warranty.deadlines.warrantyEndsAt), 'date').slice(0, 4)).toBe(String(Number(shanghaiDay(app).slice(0, 4)) + 2));
    await a.advance(Date.parse(String(warranty.deadlines.warrantyEndsAt)) - app.clock.now().getTime() + 60_000);
    const release = await page(STREET_FINANCE, p.id);
    expect(release).toContain('24 个月');
    expectNoDefaults('warranty (street finance)', release);
    expect((await a.ok(STREET_FINANCE, p.id, 'RELEASE_RETENTION', { amountFen: 125_000, voucherNo: 'PZ-3' })).state).toBe('closed');

    // No e-mail of these projects cites a rule's value, old or new.
    const mails = await app.deps.db('outbox').where({ instance_id: p.id }).select('subject', 'text', 'html');
    expect(mails.length).toBeGreaterThan(3);
    for (const m of mails) expectNoDefaults(`e-mail ${m.subject}`, `${m.subject}\n${m.text}\n${m.html}`);
  });
});
