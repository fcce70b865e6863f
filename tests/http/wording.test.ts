// Wording (issue 10 item 11): the glossary's "Preferred wording (zh-CN)" on every page, e-mail and
// locale value. Renders every zh-CN page type (public pages, log-in, inbox, project list, the project
// page in the states the lifecycle helpers reach and as each user role sees it, admin pages, the
// vendor portal, profile, error pages) and every e-mail template, and finds none of the words the
// glossary retires. A static scan of the zh-CN locale values and the templates says the same.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import {
  api, deliverAll, goodsProject, passNoticeIfHeld, SIGNATORIES, toBudgetApproval, toContracting, toDelivery, toPreparing, toStreetReview, U, VENDORS,
} from '../support/lifecycle.js';
import { agentFor, type Agent } from './pages-helpers.js';
import { createHbsMailRenderer, sampleMailData } from '../../src/notifications/render-hbs.js';
import { renderWithI18n } from '../../src/notifications/render-i18n.js';
import { NOTIFY_TEMPLATES } from '../../workflows/project/index.js';
import { loadMessages } from '../../src/lib/i18n.js';

/** The words "Preferred wording (zh-CN)" in the glossary retires. */
const RETIRED = ['四眼原则', '法定人数', '死信', '尾款', '支付质保金', '采纳异议', '估算金额', '批准预算', '批准金额', '竞争性谈判', '报区里'];

const retiredIn = (text: string) => RETIRED.filter((w) => text.includes(w));

type Tree = { [k: string]: string | Tree };
const leaves = (tree: Tree, at: string[] = []): Array<[string, string]> =>
  Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [[[...at, k].join('.'), v] as [string, string]] : leaves(v, [...at, k])));

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('static scan: zh-CN locale values and templates', () => {
  it('no zh-CN locale value uses a retired word', () => {
    const dir = path.resolve('src/locales/zh-CN');
    const offenders = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).flatMap((f) =>
      leaves(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Tree).filter(([, v]) => retiredIn(v).length).map(([k, v]) => `${f}: ${k} = ${v}`));
    expect(offenders).toEqual([]);
    // and the merged messages the app loads
    expect(leaves(loadMessages('zh-CN')).filter(([, v]) => retiredIn(v).length)).toEqual([]);
  });

  it('no template uses a retired word', () => {
    const offenders = walk(path.resolve('templates')).filter((f) => retiredIn(fs.readFileSync(f, 'utf8')).length);
    expect(offenders).toEqual([]);
  });
});

describe('every e-mail template in zh-CN', () => {
  const events = Object.keys((loadMessages('zh-CN').emails as Tree).eventNames as Tree);

  it('renders every template for every event with none of the retired words', () => {
    const render = createHbsMailRenderer();
    expect(NOTIFY_TEMPLATES.length).toBeGreaterThan(0);
    for (const template of NOTIFY_TEMPLATES) {
      for (const event of events) {
        const data = { ...sampleMailData(template, 'zh-CN'), event, count: 3 };
        for (const m of [render(template, 'zh-CN', data), renderWithI18n(template, 'zh-CN', data)]) {
          const text = `${m.subject}\n${m.text}\n${m.html ?? ''}`;
          expect(retiredIn(text), `${template} / ${event}`).toEqual([]);
        }
      }
    }
  });
});

describe('every zh-CN page type', () => {
  let app: TestApp;
  const agents = new Map<string, Agent>();
  const ROLES = [U.c1, U.c2, U.c3, U.street, U.district, U.finance, U.v1, U.v2, U.admin] as const;
  /** Projects reached, by the state they were driven to: each project page is read by every role. */
  const reached: Array<{ id: string; label: string }> = [];

  const agent = async (email?: string) => {
    const key = email ?? '';
    if (!agents.has(key)) agents.set(key, await agentFor(app, email));
    return agents.get(key)!;
  };

  /** GETs a page and asserts it has none of the retired words (and is not a server error). */
  async function clean(who: string | undefined, url: string): Promise<string> {
    const res = await (await agent(who)).get(url);
    expect(res.status, `${who ?? 'anonymous'} ${url}`).toBeLessThan(500);
    expect(retiredIn(res.text), `${who ?? 'anonymous'} ${url}`).toEqual([]);
    // a rule value a view forgot to supply would show as a bare placeholder
    expect(res.text, `${who ?? 'anonymous'} ${url}`).not.toMatch(/\{\{\s*\w+\s*\}\}/);
    return res.text;
  }

  async function projectPages(id: string, label: string) {
    reached.push({ id, label });
    for (const who of ROLES) await clean(who, `/projects/${id}`);
    await clean(undefined, `/public/projects/${id}`);
  }

  beforeAll(async () => {
    app = await createTestApp();
    // a mail that failed for good: the admin's inbox, dashboard and outbox name it
    const now = app.clock.now().toISOString();
    await app.deps.db('outbox').insert({ message_id: '<wording@t>', to_addr: 'x@example.org', subject: '测试邮件', text: 't', status: 'dead', attempts: 8, last_error: 'SMTP down', next_attempt_at: now, created_at: now });
  });
  afterAll(async () => app?.close());

  it('public pages, log-in and error pages', async () => {
    for (const url of ['/public', '/public/notices', '/public/projects', '/public/stats', '/login', '/no-such-page', '/public/projects/no-such-id']) await clean(undefined, url);
    await clean(U.c1, '/admin'); // 403
    await clean(U.c1, '/projects/no-such-id'); // 404
  });

  it('inbox, project list, profile, new project, vendor portal', async () => {
    for (const who of ROLES) {
      for (const url of ['/inbox', '/projects', '/profile']) await clean(who, url);
    }
    await clean(U.c1, '/projects/new');
    for (const who of [U.v1, U.v2]) await clean(who, '/vendor');
  });

  it('admin pages and e-mail previews', async () => {
    const userId = String((await app.deps.db('users').where({ email: U.c1 }).first()).id);
    const urls = [
      '/admin', '/admin/users', '/admin/users/new', `/admin/users/${userId}`, '/admin/places', '/admin/places/streets/new', '/admin/places/communities/new',
      '/admin/vendors', '/admin/vendors/new', `/admin/vendors/${VENDORS.kangfu}`, '/admin/categories', '/admin/allocations', '/admin/rules', '/admin/rules/new',
      '/admin/rules/0', '/admin/rules/1', '/admin/calendar', '/admin/outbox', '/admin/outbox?status=dead', '/admin/emails',
      ...NOTIFY_TEMPLATES.flatMap((n) => [`/admin/emails/${n}`, `/admin/emails/${n}?mail=zh-CN`, `/admin/emails/${n}/html?mail=zh-CN`]),
    ];
    for (const url of urls) await clean(U.admin, url);
  });

  it('the project page of a draft and of a proposal in screening (each role; four-eyes refusal shown)', async () => {
    const a = api(app);
    const draft = await a.create(U.c1, goodsProject({ title: '用语检查：草稿' }));
    await projectPages(draft.id, 'draft');
    const screening = await a.create(U.c1, goodsProject({ title: '用语检查：初审' }));
    await a.ok(U.c1, screening.id, 'SUBMIT');
    await projectPages(screening.id, 'screening');
  });

  it('the project page in public notice, street review and rejected', async () => {
    const a = api(app);
    const review = await a.create(U.c1, goodsProject({ title: '用语检查：街道审核' }));
    await toStreetReview(app, review.id);
    await projectPages(review.id, 'street_review');
    await clean(undefined, `/public/notices/${review.id}`);
    const rejected = await a.create(U.c1, goodsProject({ title: '用语检查：不予立项' }));
    await toStreetReview(app, rejected.id);
    await a.ok(U.street, rejected.id, 'REJECT', { reason: '不在正面清单范围内。' });
    await projectPages(rejected.id, 'rejected');
  });

  it('the project page in budget approval and procurement', async () => {
    const a = api(app);
    const approval = await a.create(U.c1, goodsProject({ title: '用语检查：预算审批' }));
    await toBudgetApproval(app, approval.id);
    await projectPages(approval.id, 'budget_approval');
    const preparing = await a.create(U.c1, goodsProject({ title: '用语检查：采购准备' }));
    await toPreparing(app, preparing.id);
    await projectPages(preparing.id, 'procurement.preparing');
    const contracting = await a.create(U.c1, goodsProject({ title: '用语检查：签订合同' }));
    await toContracting(app, contracting.id, VENDORS.kangfu, 3_600_000);
    await projectPages(contracting.id, 'procurement.contracting');
  });

  it('the project page in delivery, acceptance and after acceptance', async () => {
    const a = api(app);
    const items = [{ name: '履带式爬楼机', quantity: 2, unitFen: 1_800_000 }];
    const delivery = await a.create(U.c1, goodsProject({ title: '用语检查：交付' }));
    await toDelivery(app, delivery.id, VENDORS.kangfu, items);
    await projectPages(delivery.id, 'delivery');
    const accepted = await a.create(U.c1, goodsProject({ title: '用语检查：验收' }));
    await toDelivery(app, accepted.id, VENDORS.kangfu, items);
    await deliverAll(app, accepted.id, VENDORS.kangfu);
    await projectPages(accepted.id, 'acceptance');
    // c1 sent AWARD, so c2 records the acceptance (four eyes); the acceptance result notice follows
    const noticed = await a.ok(U.c2, accepted.id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 95, signatories: SIGNATORIES });
    expect(noticed.state).toBe('acceptance_notice');
    await projectPages(accepted.id, noticed.state);
    await clean(undefined, `/public/notices/${accepted.id}`);
    const settlement = await passNoticeIfHeld(app, noticed);
    expect(settlement.state).toBe('settlement');
    await projectPages(accepted.id, settlement.state);
    // the payment form's help cites the plan of the project's rules version, not fixed numbers
    const rules = await app.deps.services.rules.current(settlement.districtId as string);
    const plan = rules.payment;
    const page = await clean(U.finance, `/projects/${accepted.id}`);
    expect(page).toContain(`验收款 ${plan.finalPct}%`);
    expect(page).toContain(`预付款 ${plan.advancePct}%`);
    // pay what the form offers (its defaults) until settlement is done
    let paid = settlement;
    for (let i = 0; i < 3 && paid.state === 'settlement'; i++) {
      const pay = (await a.project(U.finance, accepted.id)).allowedEvents.find((e) => e.type === 'RECORD_PAYMENT') as { fields?: { tranche?: { default?: string }; amountFen?: { default?: number } } } | undefined;
      paid = await a.ok(U.finance, accepted.id, 'RECORD_PAYMENT', { tranche: pay?.fields?.tranche?.default ?? 'final', amountFen: pay?.fields?.amountFen?.default, voucherNo: `PZ-WORDING-${i}` });
    }
    expect(paid.state).toBe('evaluation');
    await projectPages(accepted.id, paid.state);
    // district sent APPROVE_BUDGET, so district2 evaluates (four eyes); the 5% retention waits for the warranty
    const warranty = await a.ok(U.district2, accepted.id, 'RECORD_EVALUATION', { score: 92, grade: '优秀', notes: '按期交付，居民满意。' });
    expect(warranty.state).toBe('warranty');
    await projectPages(accepted.id, warranty.state);
    await a.advance(Date.parse(String(warranty.deadlines.warrantyEndsAt)) - app.clock.now().getTime() + 60_000);
    await projectPages(accepted.id, 'warranty ended');
    const release = (await a.project(U.finance, accepted.id)).allowedEvents.find((e) => e.type === 'RELEASE_RETENTION') as { fields?: { amountFen?: { default?: number } } } | undefined;
    const last = await a.ok(U.finance, accepted.id, 'RELEASE_RETENTION', { amountFen: release?.fields?.amountFen?.default ?? (warranty.awardedFen ?? 0) - warranty.paidFen, voucherNo: 'PZ-WORDING-R' });
    expect(last.state).toBe('closed');
    await projectPages(accepted.id, last.state);
  });

  it('the e-mails the lifecycle sent (the outbox) have none of the retired words', async () => {
    const mails = await app.deps.db('outbox').select('subject', 'text', 'html');
    expect(mails.length).toBeGreaterThan(0);
    for (const m of mails as Array<{ subject: string; text: string; html: string | null }>) {
      expect(retiredIn(`${m.subject}\n${m.text}\n${m.html ?? ''}`), m.subject).toEqual([]);
    }
    expect(reached.length).toBeGreaterThan(0);
  });
});
