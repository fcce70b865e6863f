// Issue 12 item 3: light pages. With 1,000 projects in the database and each list at its normal page
// size, every list, inbox, form and public page weighs at most 100 KB of uncompressed HTML plus the
// stylesheets it links (images aside). The 1,000 projects are written straight into the read model
// (instance, project row, "waiting for" row) as the engine would leave them, spread over every
// stage, street, community and vendor; the project and notice pages are the demo's own projects,
// driven through the real workflow, each opened by the staff who can act on it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, T0, type TestApp } from '../support/app.js';
import { U } from '../support/lifecycle.js';
import { agentFor, type Agent } from './pages-helpers.js';
import { NOTICE_STAGES, STAGES } from '../../workflows/project/index.js';
import type { Db } from '../../src/lib/db.js';

const LIMIT = 100_000;
const N = 1_000;

const STREETS = [{ street: 'st-gongbei', communities: ['cm-lianhua', 'cm-yuehai'] }, { street: 'st-jida', communities: ['cm-haibin'] }];
const TITLES = ['困难残疾人家庭居家无障碍改造', '高龄独居老人助餐配送服务', '老旧楼道安装不锈钢扶手', '社区康复站康复器材配置', '重度残疾人居家托养上门探访', '无电梯高层住户履带式爬楼机配置'];
const CATEGORIES = ['助行', '居家改造', '康复', '助餐', '公共设施', '助残'];
const VENDOR_IDS = ['vd-kangfu', 'vd-anju', 'vd-xinyuan'];
const PUBLIC_FROM = STAGES.indexOf('public_notice');

async function addProjects(db: Db, n: number): Promise<void> {
  type Row = Record<string, string | number | null>;
  const instances: Row[] = [];
  const projects: Row[] = [];
  const waits: Row[] = [];
  const live = STAGES.filter((s) => !['closed', 'rejected', 'withdrawn', 'cancelled'].includes(s));
  for (let i = 0; i < n; i++) {
    const id = `weight-${String(i).padStart(5, '0')}`;
    const state = i % 5 === 4 ? STAGES[i % STAGES.length]! : live[i % live.length]!;
    const place = STREETS[i % STREETS.length]!;
    const community = place.communities[i % place.communities.length]!;
    const at = new Date(Date.parse(T0) - (n - i) * 3_600_000).toISOString();
    const year = 2024 + (i % 3);
    const idx = STAGES.indexOf(state);
    const estimated = 50_000 * (1 + (i % 97));
    instances.push({ id, workflow: 'project', workflow_version: 1, state, status: 'active', snapshot: '{}', version: 2, history_head: '0'.repeat(64), created_at: at, updated_at: at, described_version: 1 });
    projects.push({
      id, ref: `XZ-${year}-${String(5000 + i).padStart(5, '0')}`, district_id: 'xz', street_id: place.street, community_id: community, year, budget_year: year,
      type: (['goods', 'works', 'services'] as const)[i % 3]!, category: CATEGORIES[i % CATEGORIES.length]!, main_group: i % 2 ? '老年人' : '残疾人',
      title: `${TITLES[i % TITLES.length]}（第${i + 1}批）`, description: '规模测试项目。', estimated_fen: estimated,
      approved_fen: idx > STAGES.indexOf('budget_approval') ? estimated : null, awarded_fen: idx > STAGES.indexOf('procurement.contracting') ? estimated - 10_000 : null,
      vendor_id: idx > STAGES.indexOf('procurement.contracting') ? VENDOR_IDS[i % VENDOR_IDS.length]! : null, paid_fen: 0,
      state, stage_entered_at: at, next_deadline_at: (NOTICE_STAGES as readonly string[]).includes(state) ? new Date(Date.parse(T0) + (i % 7) * 86_400_000).toISOString() : null,
      public_since: idx >= PUBLIC_FROM && idx < STAGES.indexOf('rejected') ? at : null, rules_version: 1, created_by: 'seed', created_at: at, updated_at: at,
    });
    if (state === 'screening' || state === 'deliberation') {
      waits.push({ instance_id: id, workflow: 'project', role: 'community', scope: `community:${community}`, excluded_user_id: null, tasks: 'SCREEN_PASS,RETURN,REJECT', since: at, deadline_at: null });
    }
    if (state === 'street_review') waits.push({ instance_id: id, workflow: 'project', role: 'street', scope: `street:${place.street}`, excluded_user_id: null, tasks: 'STREET_APPROVE,RETURN,REJECT', since: at, deadline_at: null });
  }
  await db.transaction(async (trx) => {
    await trx.batchInsert('workflow_instances', instances, 100);
    await trx.batchInsert('projects', projects, 50);
    await trx.batchInsert('workflow_waits', waits, 100);
  });
}

/** The page's HTML plus every stylesheet it links, in bytes as sent (uncompressed). */
async function weigh(agent: Agent, path: string): Promise<{ html: number; css: number; total: number }> {
  const res = await agent.get(path);
  expect(res.status, `GET ${path}`).toBe(200);
  const html = Buffer.byteLength(res.text, 'utf8');
  let css = 0;
  for (const m of res.text.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)) {
    const sheet = await agent.get(m[1]!.replace(/&amp;/g, '&'));
    expect(sheet.status, `GET ${m[1]}`).toBe(200);
    css += Buffer.byteLength(sheet.text, 'utf8');
  }
  return { html, css, total: html + css };
}

let app: TestApp;
const weights: Array<{ page: string; html: number; css: number; total: number }> = [];

beforeAll(async () => {
  app = await createTestApp({ seed: false });
  await app.deps.services.seedDemo({ stories: true });
  await addProjects(app.deps.db, N);
}, 120_000);
afterAll(async () => {
  if (weights.length) console.info(weights.map((w) => `${w.page.padEnd(48)} html ${String(w.html).padStart(7)}  css ${String(w.css).padStart(6)}  total ${String(w.total).padStart(7)}`).join('\n'));
  await app?.close();
});

async function check(agent: Agent, label: string, path: string): Promise<void> {
  const w = await weigh(agent, path);
  weights.push({ page: `${label} ${path}`, ...w });
  expect(w.total, `${label} ${path}: ${w.html} B of HTML + ${w.css} B of CSS`).toBeLessThanOrEqual(LIMIT);
}

describe('page weight with 1,000 projects', () => {
  it('when the lists, the inbox and the forms are opened by the staff who use them, then none weighs over 100 KB of HTML and CSS', async () => {
    expect(Number((await app.deps.db('projects').count({ n: '*' }))[0]!.n)).toBeGreaterThanOrEqual(N);
    const district = await agentFor(app, U.district);
    const street = await agentFor(app, U.street);
    const c1 = await agentFor(app, U.c1);
    const v1 = await agentFor(app, U.v1);
    for (const [who, agent] of [['district', district], ['street', street], ['community', c1]] as const) {
      await check(agent, who, '/projects');
      await check(agent, who, '/projects?lang=en');
      await check(agent, who, '/inbox');
    }
    await check(c1, 'community', '/projects/new');
    await check(c1, 'community', '/projects/new?lang=en');
    await check(v1, 'vendor', '/vendor');
  });

  it('when every demo project is opened by each staff member who may see it, then no project page weighs over 100 KB', async () => {
    const ids = (await app.deps.db('projects').whereNot('id', 'like', 'weight-%').select('id')).map((r: { id: string }) => r.id);
    expect(ids.length).toBeGreaterThanOrEqual(10);
    for (const email of [U.c1, U.c3, U.street, U.district, U.finance, U.admin]) {
      const agent = await agentFor(app, email);
      for (const id of ids) {
        const res = await agent.get(`/projects/${id}`);
        if (res.status !== 200) continue; // not in this user's scope
        await check(agent, email.split('@')[0]!, `/projects/${id}`);
      }
    }
  });

  it('when a resident opens the public pages, then none weighs over 100 KB', async () => {
    const visitor = await agentFor(app);
    for (const lang of ['', '?lang=en']) {
      await check(visitor, 'public', `/public${lang}`);
      await check(visitor, 'public', `/public/projects${lang}`);
      await check(visitor, 'public', `/public/notices${lang}`);
      await check(visitor, 'public', `/public/stats${lang}`);
    }
    const demo = await app.deps.db('projects').whereNot('id', 'like', 'weight-%').whereNotNull('public_since').select('id', 'state');
    for (const p of demo as Array<{ id: string; state: string }>) {
      await check(visitor, 'public', `/public/projects/${p.id}`);
      if ((NOTICE_STAGES as readonly string[]).includes(p.state)) {
        await check(visitor, 'public', `/public/notices/${p.id}`);
        await check(visitor, 'public', `/public/projects/${p.id}/notice`);
      }
    }
  });
});
