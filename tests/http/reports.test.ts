// The statistics of a budget year or a range (issue 11 item 1), on every storage driver: projects in
// different groups, categories, types, streets and states are driven through the real workflow (one
// refused before any notice, one cancelled after its budget was approved, several still open when
// the sandbox clock crosses into the next year), then the summary API and the pages must equal the
// figures recomputed here from each project's history events (APPROVE_BUDGET, CONFIRM_CONTRACT,
// RECORD_PAYMENT, the stages it went through), never from the tables the report reads. Only a
// project's classification (budget year, place, group, category, type, amount applied for) comes
// from its GET /projects/:id, as it was created.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, DEMO_PASSWORD, type TestApp } from '../support/app.js';
import { STORAGE_KINDS } from '../support/db.js';
import {
  api, accept, deliverAll, goodsProject, passNotice, shanghaiDay, toDelivery, toPreparing, toStreetReview,
  DELIBERATION_OK, GOOD_CHECKLIST, U, VENDORS, type Api, type Project, type AllocationView,
} from '../support/lifecycle.js';
import { NOTICE_STAGES, WORK_ACCEPTED } from '../../workflows/project/index.js';
import { formatYuan, formatYuanShort } from '../../workflows/shared/money.js';
import { agentFor, type Agent } from './pages-helpers.js';
import { barChart } from '../../src/reports/charts.js';

const C6 = 'community6@example.org';
const STREET2 = 'street2@example.org';
const KEYS = ['group', 'category', 'type', 'street', 'community'] as const;
type Key = (typeof KEYS)[number];

interface HistoryRow { seq: number; type: string; from: string | null; to: string; payload: Record<string, unknown> }

/** What a project's history says, with its classification. */
interface Facts {
  id: string;
  budgetYear: number;
  keys: Record<Key, string>;
  estimatedFen: number;
  isPublic: boolean;
  confirmed: boolean;
  started: boolean;
  completed: boolean;
  open: boolean;
  approvedFen: number;
  paidFen: number;
  reservedFen: number;
  committedFen: number;
}

const NOT_CONFIRMED = ['cancelled', 'rejected', 'withdrawn'];
const FINAL = ['closed', 'rejected', 'withdrawn', 'cancelled'];

function factsOf(p: Project & Record<string, unknown>, history: HistoryRow[]): Facts {
  const state = history.at(-1)!.to;
  const events = (type: string) => history.filter((h) => h.type === type);
  const approvals = events('APPROVE_BUDGET');
  const approved = approvals.length > 0 ? Number(approvals.at(-1)!.payload.approvedFen) : null;
  const live = !NOT_CONFIRMED.includes(state);
  const confirmed = approved !== null && live;
  const contractConfirmed = events('CONFIRM_CONTRACT').length > 0;
  const contractFen = Number(events('SIGN_CONTRACT').at(-1)?.payload.amountFen ?? 0);
  const paidFen = [...events('RECORD_PAYMENT'), ...events('RELEASE_RETENTION')].reduce((s, h) => s + Number(h.payload.amountFen), 0);
  const completed = live && history.some((h) => (WORK_ACCEPTED as readonly string[]).includes(h.to));
  return {
    id: p.id,
    budgetYear: Number(p.budgetYear),
    keys: { group: String(p.mainGroup ?? ''), category: String(p.category), type: String(p.type), street: String(p.streetId), community: p.communityId },
    estimatedFen: p.estimatedFen,
    isPublic: history.some((h) => (NOTICE_STAGES as readonly string[]).includes(h.to)),
    confirmed,
    started: confirmed && contractConfirmed,
    completed,
    open: !FINAL.includes(state),
    approvedFen: confirmed ? approved! : 0,
    paidFen,
    reservedFen: live && approved !== null && !contractConfirmed ? approved : 0,
    committedFen: live && contractConfirmed ? contractFen - paidFen : 0,
  };
}

interface Figures { proposed: number; confirmed: number; underway: number; completed: number; estimatedFen: number; approvedFen: number; committedFen: number; paidFen: number; completionRate: number | null }

function figures(list: Facts[]): Figures {
  const f = {
    proposed: list.length,
    confirmed: list.filter((x) => x.confirmed).length,
    underway: list.filter((x) => x.started && !x.completed).length,
    completed: list.filter((x) => x.completed).length,
    estimatedFen: list.reduce((s, x) => s + x.estimatedFen, 0),
    approvedFen: list.reduce((s, x) => s + x.approvedFen, 0),
    committedFen: list.reduce((s, x) => s + x.committedFen, 0),
    paidFen: list.reduce((s, x) => s + x.paidFen, 0),
  };
  return { ...f, completionRate: f.confirmed > 0 ? f.completed / f.confirmed : null };
}

function breakdownOf(list: Facts[], by: Key): Array<Figures & { key: string }> {
  const keys = [...new Set(list.map((x) => x.keys[by]))].sort((x, y) => x.localeCompare(y, 'en'));
  return keys.map((key) => ({ key, ...figures(list.filter((x) => x.keys[by] === key)) }));
}

/** Rows without their labels, in key order (the database's collation may order Chinese keys otherwise). */
const strip = (rows: Array<Record<string, unknown>>) => rows.map(({ label: _l, ...r }) => r).sort((x, y) => String(x.key).localeCompare(String(y.key), 'en'));

describe.each(STORAGE_KINDS)('statistics on %s', (kind) => {
  let app: TestApp;
  let a: Api;
  const ids: Record<string, string> = {};

  async function allFacts(): Promise<Facts[]> {
    const list = await a.get(U.district, '/projects?pageSize=200');
    expect(list.status).toBe(200);
    const out: Facts[] = [];
    for (const { id } of list.body.projects as Array<{ id: string }>) {
      const p = (await a.project(U.district, id)) as Project & Record<string, unknown>;
      const history = (await a.get(U.district, `/projects/${id}/history`)).body.history as HistoryRow[];
      out.push(factsOf(p, history));
    }
    return out;
  }

  async function allocations(): Promise<AllocationView[]> {
    const res = await a.get(U.district, '/allocations');
    expect(res.status).toBe(200);
    return res.body.allocations as AllocationView[];
  }

  /** A jida/haibin project to delivery: c3 proposes and buys, community6 screens, street2 vets. */
  async function haibinToDelivery(title: string): Promise<Project> {
    const p = await a.create(U.c3, goodsProject({ title, mainGroup: '儿童', category: '文体活动', type: 'services' }));
    await a.ok(U.c3, p.id, 'SUBMIT');
    await a.ok(C6, p.id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
    const noticed = await a.ok(U.c3, p.id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(app) });
    await passNotice(app, noticed);
    await a.ok(STREET2, p.id, 'APPROVE');
    const approved = await a.ok(U.district, p.id, 'APPROVE_BUDGET', { approvedFen: 3_000_000 });
    if (approved.state === 'confirmation_notice') await passNotice(app, approved);
    await a.ok(U.c3, p.id, 'AWARD', { vendorId: VENDORS.xinyuan, amountFen: 2_800_000, justification: '单一来源直接采购，价格合理。' });
    await a.ok(U.c3, p.id, 'SIGN_CONTRACT', { contractNo: `HT-${p.id.slice(0, 6)}`, items: [{ name: '儿童活动（场次）', quantity: 28, unitFen: 100_000 }], amountFen: 2_800_000, dueOn: shanghaiDay(app, 30) });
    return a.ok(U.v3, p.id, 'CONFIRM_CONTRACT');
  }

  beforeAll(async () => {
    app = await createTestApp({ kind });
    a = api(app);
    await app.deps.services.users.create({ email: C6, name: '郭丽娟（海滨社区）', role: 'community', communityId: 'cm-haibin', password: DEMO_PASSWORD });
    await app.deps.services.users.create({ email: STREET2, name: '梁晓东（吉大街道）', role: 'street', streetId: 'st-jida', password: DEMO_PASSWORD });

    // completed: a stair-climber delivered, accepted and paid (advance and final) → evaluation
    const done = await a.create(U.c1, goodsProject({ title: '统计：爬楼机' }));
    ids.done = done.id;
    await toDelivery(app, done.id, VENDORS.kangfu, [{ name: '履带式爬楼机', quantity: 2, unitFen: 1_750_000 }]);
    await a.ok(U.finance, done.id, 'RECORD_PAYMENT', { tranche: 'advance', amountFen: 1_050_000, voucherNo: 'PZ-R1' });
    await deliverAll(app, done.id, VENDORS.kangfu);
    await accept(app, done.id);
    await a.ok(U.finance, done.id, 'RECORD_PAYMENT', { tranche: 'final', amountFen: 2_275_000, voucherNo: 'PZ-R2' });

    // under way: home visits in delivery with an advance paid
    const visits = await a.create(U.c1, goodsProject({ title: '统计：探访', type: 'services', category: '探访慰藉', mainGroup: '老年人', estimatedFen: 2_000_000, items: [{ name: '上门探访（人次）', quantity: 400, unitFen: 5_000 }] }));
    ids.visits = visits.id;
    await toDelivery(app, visits.id, VENDORS.xinyuan, [{ name: '上门探访（人次）', quantity: 400, unitFen: 4_500 }]);
    await a.ok(U.finance, visits.id, 'RECORD_PAYMENT', { tranche: 'advance', amountFen: 540_000, voucherNo: 'PZ-R3' });

    // confirmed, not started: a home adaptation with its budget reserved
    const adapt = await a.create(U.c1, goodsProject({ title: '统计：适老化改造', type: 'works', category: '居家改造', mainGroup: '老年人', estimatedFen: 4_500_000, items: [{ name: '改造（每户）', quantity: 3, unitFen: 1_500_000 }] }));
    ids.adapt = adapt.id;
    await toPreparing(app, adapt.id, 4_000_000);

    // cancelled after its budget was approved: not confirmed, holds nothing
    const cancelled = await a.create(U.c1, goodsProject({ title: '统计：取消的项目', category: '公共设施', mainGroup: '全体居民' }));
    ids.cancelled = cancelled.id;
    await toPreparing(app, cancelled.id);
    await a.ok(U.district, cancelled.id, 'CANCEL', { reason: '需求已由其他渠道解决' });

    // refused at screening, before any notice: never public; its group (学生) appears in no public figure
    const refused = await a.create(U.c1, goodsProject({ title: '统计：初审不通过', category: '便民服务', mainGroup: '学生' }));
    ids.refused = refused.id;
    await a.ok(U.c1, refused.id, 'SUBMIT');
    await a.ok(U.c2, refused.id, 'REJECT', { reason: '属于物业管理职责（负面清单）' });

    // next budget year, public, in street review
    const next = await a.create(U.c1, goodsProject({ title: '统计：下一年度', budgetYear: 2027, category: '助行', mainGroup: '残疾人' }));
    ids.next = next.id;
    await toStreetReview(app, next.id);

    // the other street: started, nothing paid
    ids.haibin = (await haibinToDelivery('统计：海滨儿童活动')).id;

    // into the next year (Asia/Shanghai): the open 2026 projects are carried over
    const target = Date.parse('2027-01-11T02:00:00.000Z');
    await a.advance(target - app.clock.now().getTime());
  }, 600_000);
  afterAll(async () => app?.close());

  it('when the district asks for a budget year by each dimension, then every row and the totals equal the figures recomputed from the histories', async () => {
    const facts = (await allFacts()).filter((f) => f.budgetYear === 2026);
    expect(facts.find((f) => f.id === ids.refused)).toMatchObject({ isPublic: false, confirmed: false });
    expect(facts.find((f) => f.id === ids.cancelled)).toMatchObject({ isPublic: true, confirmed: false, approvedFen: 0 });
    expect(facts.find((f) => f.id === ids.done)).toMatchObject({ completed: true, paidFen: 3_325_000, committedFen: 175_000 });
    for (const by of KEYS) {
      const res = await a.get(U.district, `/reports/summary?year=2026&groupBy=${by}`);
      expect(res.status, by).toBe(200);
      expect(res.body).toMatchObject({ from: 2026, to: 2026, groupBy: by, page: 1 });
      expect(strip(res.body.rows), by).toEqual(breakdownOf(facts, by));
      expect(res.body.totals, by).toEqual(figures(facts));
      for (const r of res.body.rows) expect(typeof r.label).toBe('string');
    }
    // 残疾人 holds the completed stair-climber: its completion rate is completed / confirmed
    const byGroup = (await a.get(U.district, '/reports/summary?year=2026&groupBy=group')).body.rows as Array<Figures & { key: string }>;
    expect(byGroup.find((r) => r.key === '残疾人')!.completionRate).toBe(1);
  });

  it('when a range of years is asked for, then projects of both budget years are counted, and the range is paged', async () => {
    const facts = (await allFacts()).filter((f) => f.budgetYear >= 2026 && f.budgetYear <= 2027);
    const res = await a.get(U.district, '/reports/summary?year=2026&to=2027&groupBy=category');
    expect(res.status).toBe(200);
    expect(strip(res.body.rows)).toEqual(breakdownOf(facts, 'category'));
    expect(res.body.totals).toEqual(figures(facts));
    const only2027 = (await a.get(U.district, '/reports/summary?year=2027&groupBy=category')).body;
    expect(only2027.totals.proposed).toBe(1);

    const paged = await a.get(U.district, '/reports/summary?year=2026&to=2027&groupBy=category&pageSize=2&page=2');
    expect(paged.status).toBe(200);
    expect(paged.body.totalRows).toBe(res.body.rows.length);
    expect(paged.body.rows).toEqual(res.body.rows.slice(2, 4));
  });

  it('when budget use is asked for, then each community and street shows its allocation, what its projects hold by their histories, and what is carried over into the current year', async () => {
    const facts = (await allFacts()).filter((f) => f.budgetYear === 2026);
    const allocs = (await allocations()).filter((x) => x.year === 2026);
    const res = await a.get(U.district, '/reports/summary?year=2026');
    const communities = (res.body.budget as Array<{ key: string; communities: Array<Record<string, unknown>> }>).flatMap((s) => s.communities);
    expect(communities.map((c) => c.key).sort()).toEqual(allocs.map((x) => x.communityId).sort());
    for (const alloc of allocs) {
      const mine = facts.filter((f) => f.keys.community === alloc.communityId);
      const held = { reserved: mine.reduce((s, f) => s + f.reservedFen, 0), committed: mine.reduce((s, f) => s + f.committedFen, 0), spent: mine.reduce((s, f) => s + f.paidFen, 0) };
      expect(communities.find((c) => c.key === alloc.communityId), alloc.communityId).toMatchObject({
        allocatedFen: alloc.allocatedFen, reservedFen: held.reserved, committedFen: held.committed, spentFen: held.spent,
        availableFen: alloc.allocatedFen - held.reserved - held.committed - held.spent,
        // it is 2027 in Shanghai now: every open 2026 project is carried over with what it holds
        carriedOverFen: mine.filter((f) => f.open).reduce((s, f) => s + f.reservedFen + f.committedFen, 0),
      });
    }
    const carried = res.body.budgetTotals.carriedOverFen as number;
    expect(carried).toBe(4_000_000 + (1_800_000 - 540_000) + 2_800_000 + 175_000);
    const street = (res.body.budget as Array<Record<string, unknown>>).find((s) => s.key === 'st-gongbei')!;
    expect(street.allocatedFen).toBe(allocs.filter((x) => x.communityId !== 'cm-haibin').reduce((s, x) => s + x.allocatedFen, 0));

    // the execution view: share of confirmed projects started against share of the allocation spent
    for (const e of res.body.execution as Array<Record<string, number | string | boolean | null>>) {
      const mine = facts.filter((f) => f.keys.street === e.key && f.confirmed);
      const allocated = allocs.filter((x) => (e.key === 'st-jida') === (x.communityId === 'cm-haibin')).reduce((s, x) => s + x.allocatedFen, 0);
      const spent = facts.filter((f) => f.keys.street === e.key).reduce((s, f) => s + f.paidFen, 0);
      expect(e, String(e.key)).toMatchObject({
        confirmed: mine.length, started: mine.filter((f) => f.started).length, allocatedFen: allocated, spentFen: spent,
        startedShare: mine.length ? mine.filter((f) => f.started).length / mine.length : null, fundsUsedShare: spent / allocated,
      });
    }
    // 吉大: its one confirmed project started, nothing of its ¥2,000,000 spent — the warning sign
    expect((res.body.execution as Array<{ key: string; warning: boolean }>).find((e) => e.key === 'st-jida')!.warning).toBe(true);
  });

  it('when the staff page shows budget use, then the district sees its streets and one street\'s communities at a time, a street user all of its own', async () => {
    const allocs = (await allocations()).filter((x) => x.year === 2026);
    const streetOf = new Map((await app.deps.services.reference.communities()).map((c) => [c.id, c.streetId]));
    const budgetOf = (html: string) => html.slice(html.indexOf('id="budget-use"'), html.indexOf('id="execution"')).replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
    const communityRows = (html: string) => [...budgetOf(html).matchAll(/<tr data-key="(cm-[^"]+)"/g)].map((m) => m[1]!).sort();
    const streets = [...new Set(allocs.map((x) => streetOf.get(x.communityId)!))].sort();
    expect(streets.length).toBeGreaterThanOrEqual(2);

    const district = await agentGet(U.district, '/reports?year=2026');
    expect(district.status).toBe(200);
    expect(communityRows(district.text)).toEqual([]);
    for (const street of streets) {
      expect(budgetOf(district.text)).toContain(`<a href="/reports?year=2026&to=2026&groupBy=group&street=${street}#budget-use">`);
      const one = await agentGet(U.district, `/reports?year=2026&street=${street}`);
      expect(one.status, street).toBe(200);
      expect(communityRows(one.text), street).toEqual(allocs.filter((x) => streetOf.get(x.communityId) === street).map((x) => x.communityId).sort());
    }
    // a street user's scope is one street: all of its communities, no choice to make
    const mine = await agentGet(U.street, '/reports?year=2026');
    const own = (await app.deps.services.users.findByEmail(U.street))!.streetId!;
    expect(communityRows(mine.text)).toEqual(allocs.filter((x) => streetOf.get(x.communityId) === own).map((x) => x.communityId).sort());
    expect(communityRows(mine.text).length).toBeGreaterThan(0);

    const unknown = await agentGet(U.district, '/reports?year=2026&street=st-nowhere');
    expect(unknown.status).toBe(422);
    expect(unknown.text).toContain('请从列表中选择街道。');
  });

  it('when a street or community user asks, then only its own street or community is counted; a vendor is refused', async () => {
    const facts = (await allFacts()).filter((f) => f.budgetYear === 2026);
    const street = await a.get(U.street, '/reports/summary?year=2026&groupBy=street');
    expect(street.status).toBe(200);
    expect(strip(street.body.rows)).toEqual(breakdownOf(facts.filter((f) => f.keys.street === 'st-gongbei'), 'street'));
    expect(street.body.budget.map((b: { key: string }) => b.key)).toEqual(['st-gongbei']);
    expect(street.body.execution.map((b: { key: string }) => b.key)).toEqual(['st-gongbei']);

    const haibin = await a.get(U.c3, '/reports/summary?year=2026&groupBy=community');
    expect(strip(haibin.body.rows)).toEqual(breakdownOf(facts.filter((f) => f.keys.community === 'cm-haibin'), 'community'));
    expect(haibin.body.budget.flatMap((b: { communities: Array<{ key: string }> }) => b.communities.map((c) => c.key))).toEqual(['cm-haibin']);

    const page = await agentGet(U.street, '/reports?year=2026&groupBy=community');
    expect(page.status).toBe(200);
    expect(page.text).toContain('莲花社区');
    expect(page.text).not.toContain('海滨社区');

    expect((await a.get(U.v1, '/reports/summary')).status).toBe(403);
    expect((await a.get(null, '/reports/summary')).status).toBe(401);
  });

  it('when the public statistics are read, then only projects that have been public are counted, with the same figures', async () => {
    const facts = (await allFacts()).filter((f) => f.budgetYear === 2026 && f.isPublic);
    const pub = await app.deps.services.reports.publicSummary({ year: '2026', groupBy: 'group' });
    expect(strip(pub.rows.map((r) => ({ ...r, label: '' })))).toEqual(breakdownOf(facts, 'group'));
    expect(pub.rows.map((r) => r.key)).not.toContain('学生');

    const page = await app.http.get('/public/stats?year=2026');
    expect(page.status).toBe(200);
    // the cells' data-label attributes (the phone layout's column names) aside
    const groupTable = page.text.slice(page.text.indexOf('id="by-group"'), page.text.indexOf('id="by-category"')).replace(/ data-label="[^"]*"/g, '');
    expect(groupTable).not.toContain('学生');
    const totals = figures(facts);
    expect(groupTable).toContain(`<tr data-key="_total"><th scope="row">合计</th><td class="num">${totals.proposed}</td><td class="num">${totals.confirmed}</td>`);
    expect(groupTable).toContain(formatYuanShort(totals.approvedFen, 'zh-CN'));
    // the staff page of the same year does count the refused proposal
    const staff = await agentGet(U.district, '/reports?year=2026&groupBy=group');
    expect(staff.text).toContain('data-key="学生"');
  });

  it('when the public statistics list communities, then only those of the chosen street, totalled as the street; without a street none, and the streets link to theirs', async () => {
    const facts = (await allFacts()).filter((f) => f.budgetYear === 2026 && f.isPublic);
    const allocs = (await allocations()).filter((x) => x.year === 2026);
    const streetOf = new Map((await app.deps.services.reference.communities()).map((c) => [c.id, c.streetId]));
    // the attribute values as a browser reads them (Handlebars writes = as &#x3D;)
    const decoded = (html: string) => html.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
    const section = (html: string, id: string, next: string) => decoded(html.slice(html.indexOf(`id="${id}"`), html.indexOf(`id="${next}"`)));
    const rowKeys = (html: string) => [...html.matchAll(/<tr (?:class="[^"]*" )?data-key="(cm-[^"]+)"/g)].map((m) => m[1]!).sort();

    const none = await app.http.get('/public/stats?year=2026');
    expect(none.status).toBe(200);
    expect(rowKeys(section(none.text, 'by-community', 'budget-use'))).toEqual([]);
    expect(rowKeys(section(none.text, 'budget-use', 'execution'))).toEqual([]);
    const streets = [...new Set(facts.map((f) => f.keys.street))].sort();
    expect(streets.length).toBeGreaterThanOrEqual(2);
    for (const street of streets) {
      // its row in the street table links to its communities, as the budget table's does
      expect(section(none.text, 'by-street', 'by-community')).toContain(`<a href="/public/stats?year=2026&to=2026&street=${street}#by-community">`);
      expect(section(none.text, 'budget-use', 'execution')).toContain(`<a href="/public/stats?year=2026&to=2026&street=${street}#budget-use">`);
    }
    // every community at once: the export the chooser links to
    expect(section(none.text, 'by-community', 'budget-use')).toContain('href="/public/stats/export.csv?year=2026&to=2026&groupBy=community"');
    const csv = await app.http.get('/public/stats/export.csv?year=2026&to=2026&groupBy=community');
    expect(csv.status).toBe(200);

    for (const street of streets) {
      const page = await app.http.get(`/public/stats?year=2026&street=${street}`);
      expect(page.status, street).toBe(200);
      const table = section(page.text, 'by-community', 'budget-use');
      const mine = facts.filter((f) => f.keys.street === street);
      expect(rowKeys(table), street).toEqual([...new Set(mine.map((f) => f.keys.community))].sort());
      for (const c of new Set(mine.map((f) => f.keys.community))) {
        const t = figures(mine.filter((f) => f.keys.community === c));
        expect(table.replace(/ data-label="[^"]*"/g, ''), c).toContain(`<tr data-key="${c}"><th scope="row">`);
        expect(table.replace(/ data-label="[^"]*"/g, '').split(`<tr data-key="${c}">`)[1], c).toMatch(new RegExp(`^<th scope="row">[^<]+</th><td class="num">${t.proposed}</td><td class="num">${t.confirmed}</td>`));
      }
      // the totals are the street's
      const t = figures(mine);
      expect(table.replace(/ data-label="[^"]*"/g, ''), street).toContain(`<tr data-key="_total"><th scope="row">合计</th><td class="num">${t.proposed}</td><td class="num">${t.confirmed}</td>`);
      // budget use: every street, and the communities of this one only
      const budget = rowKeys(section(page.text, 'budget-use', 'execution'));
      expect(budget, street).toEqual(allocs.filter((x) => streetOf.get(x.communityId) === street).map((x) => x.communityId).sort());
    }

    // a street the city does not have, or two: 422 naming the field, in the reader's language
    for (const q of ['street=st-nowhere', 'street=st-jida&street=st-gongbei']) {
      const zh = await app.http.get(`/public/stats?year=2026&${q}`);
      expect(zh.status, q).toBe(422);
      const en = await app.http.get(`/public/stats?year=2026&${q}&lang=en`);
      expect(en.status, q).toBe(422);
      if (q === 'street=st-nowhere') {
        expect(zh.text).toContain('请从列表中选择街道。');
        expect(en.text).toContain('Choose a street from the list.');
      }
    }
  });

  it('when the pages are read, then every chart has its title, description and data table, and amounts read in 万 in Chinese and in full yuan in English', async () => {
    const facts = (await allFacts()).filter((f) => f.budgetYear === 2026);
    const approved = figures(facts).approvedFen;
    for (const [who, url] of [[U.district, '/reports?year=2026&groupBy=street'], [null, '/public/stats?year=2026&to=2027']] as const) {
      const page = who ? await agentGet(who, url) : await app.http.get(url);
      expect(page.status, url).toBe(200);
      const svgs = page.text.match(/<svg class="report-svg"[^>]*role="img"[^>]*aria-labelledby="([^"]+)"/g) ?? [];
      expect(svgs.length, url).toBeGreaterThanOrEqual(4);
      expect((page.text.match(/<title id="[^"]+-title">/g) ?? []).length, url).toBe(svgs.length);
      expect((page.text.match(/<desc id="[^"]+-desc">[^<]+<\/desc>/g) ?? []).length, url).toBe(svgs.length);
      expect((page.text.match(/<table class="report-chart-data">/g) ?? []).length, url).toBe(svgs.length);
    }
    const zh = await agentGet(U.district, '/reports?year=2026');
    expect(zh.text).toContain(formatYuanShort(approved, 'zh-CN'));
    expect(formatYuanShort(approved, 'zh-CN')).toMatch(/万$/);
    const en = await agentGet(U.district, '/reports?year=2026&lang=en');
    expect(en.text).toContain(formatYuan(approved, { lang: 'en' }));
    expect(formatYuan(approved, { lang: 'en' })).toMatch(/^¥[\d,]+\.\d\d$/);
    expect(en.text).not.toMatch(/\d万/);
  });

  it('when the query does not fit, then it is 422 naming the field in the asked language, never a 500', async () => {
    const cases: Array<[string, string]> = [
      ['year=abc', 'year'], ['year=1999', 'year'], ['year=2027&to=2026', 'to'], ['year=2000&to=2020', 'to'], ['groupBy=vendor', 'groupBy'],
      ['pageSize=500', 'pageSize'], ['page=0', 'page'], ['year=2026&year=2027', 'year'],
    ];
    for (const [q, field] of cases) {
      const zh = await a.get(U.district, `/reports/summary?${q}`);
      expect(zh.status, q).toBe(422);
      expect(zh.body.error.code).toBe('INVALID');
      expect(Object.keys(zh.body.error.fields), q).toContain(field);
      expect(zh.body.error.fields[field], q).toMatch(/[\u4e00-\u9fff]/);
      const en = await a.get(U.district, `/reports/summary?${q}`, { 'Accept-Language': 'en' });
      expect(en.body.error.fields[field], q).not.toMatch(/[\u4e00-\u9fff]/);
    }
    expect((await agentGet(U.district, '/reports?year=2027&to=2026')).status).toBe(422);
    expect((await app.http.get('/public/stats?year=2027&to=2026')).status).toBe(422);
  });

  /** A page as a signed-in user (session cookie from the log-in form). */
  const agents = new Map<string, Agent>();
  async function agentGet(email: string, url: string) {
    const agent = agents.get(email) ?? agents.set(email, await agentFor(app, email)).get(email)!;
    return agent.get(url);
  }
});

describe('the bar chart model', () => {
  it('when groups are drawn, then bars scale to the largest value, the text alternative names every figure, and the table holds every group', () => {
    const chart = barChart({
      id: 'c', title: '项目数量', summary: '条形图', keyHeader: '街道', series: [{ name: '已立项' }, { name: '已完成' }],
      groups: [{ label: '拱北街道', values: [4, 1], texts: ['4', '1'] }, { label: '吉大街道', values: [2, 0], texts: ['2', '0'] }, { label: '前山街道', values: [1, 1], texts: ['1', '1'] }],
      maxGroups: 2, more: (n) => `另有 ${n} 行`, separators: { group: '；', figure: '，' },
    });
    const widths = chart.bars.map((b) => b.w);
    expect(widths[0]).toBe(Math.max(...widths));
    expect(widths[2]).toBe(Math.round(widths[0]! / 2));
    expect(widths[3]).toBe(0);
    expect(chart.bars).toHaveLength(4);
    expect(chart.desc).toBe('条形图；拱北街道: 已立项 4，已完成 1；吉大街道: 已立项 2，已完成 0；另有 1 行');
    expect(chart.table.rows.map((r) => r.label)).toEqual(['拱北街道', '吉大街道', '前山街道']);
    expect(chart.table.headers).toEqual(['街道', '已立项', '已完成']);
    expect([chart.titleId, chart.descId]).toEqual(['c-title', 'c-desc']);
    expect(barChart({ id: 'e', title: 't', summary: 's', keyHeader: 'k', series: [{ name: 'a' }], groups: [] }).empty).toBe(true);
  });
});
