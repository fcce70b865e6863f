// The need pages (issue 15 item 2): staff record a need, refer it, the street resolves it from its
// inbox; adoption into a new draft shows on the project page; bad input comes back 422 in both
// languages with nothing changed; scope (403/404) and CSRF (403); a list of 1,200 needs pages and
// counts truly. The forms a page offers are the events the engine allows.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, DEMO_PASSWORD, type TestApp } from '../support/app.js';
import { STORAGE_KINDS } from '../support/db.js';
import { U } from '../support/lifecycle.js';
import { agentFor, csrfOf, type Agent } from './pages-helpers.js';
import { formatShanghai, shanghaiDate } from '../../src/lib/calendar.js';
import { nextNeedRef } from '../../src/needs/need-repo.js';
import { DEFAULT_NEED_RULES, NEED_WORKFLOW, type NeedInput } from '../../workflows/need/index.js';

const HAN = /[\u4e00-\u9fff]/;
/** The count beside "My inbox" in the navigation. */
const NAV_COUNT = /href="\/inbox"[^>]*>[^<]*<span class="badge">(\d+)</;

describe.each(STORAGE_KINDS)('need pages on %s', (kind) => {
  let app: TestApp;
  let c1: Agent;
  let street: Agent;

  beforeAll(async () => {
    app = await createTestApp({ kind });
    c1 = await agentFor(app, U.c1);
    street = await agentFor(app, U.street);
  });
  afterAll(async () => {
    await app?.close();
  });

  /** Records a need through the page, as c1; its id. */
  async function recordNeed(body: Record<string, string> = {}): Promise<string> {
    const form = await c1.get('/needs/new');
    expect(form.status).toBe(200);
    const res = await c1.post('/needs/new').type('form').send({ _csrf: csrfOf(form.text), source: 'call', type: 'accessibility', description: '楼道台阶太高，轮椅无法出入。', 'contact.name': '王秀英', 'contact.phone': '13912345678', ...body });
    expect(res.status, res.text.slice(0, 500)).toBe(303);
    const m = /^\/needs\/([^/?]+)$/.exec(res.headers.location ?? '');
    expect(m).not.toBeNull();
    return m![1]!;
  }

  async function post(agent: Agent, id: string, type: string, body: Record<string, string> = {}, lang?: string) {
    const page = await agent.get(`/needs/${id}${lang ? `?lang=${lang}` : ''}`);
    expect(page.status).toBe(200);
    const version = /name="expectedVersion" value="(\d+)"/.exec(page.text)?.[1] ?? '';
    return agent.post(`/needs/${id}/events/${type}${lang ? `?lang=${lang}` : ''}`).type('form').send({ _csrf: csrfOf(page.text), expectedVersion: version, ...body });
  }

  const row = async (id: string) => app.t.db('needs').where({ id }).first();
  const formsOn = (html: string) => [...html.matchAll(/id="form-([A-Z_]+)"/g)].map((m) => m[1]).sort();

  it('community staff record a need on the page, refer it to the street, and the street resolves it from its inbox', async () => {
    const id = await recordNeed();
    const page = await c1.get(`/needs/${id}`);
    expect(page.text).toContain('13912345678'); // the own community sees the contact unmasked
    // the forms are exactly the events the engine allows the community now
    expect(formsOn(page.text)).toEqual(['ADOPT', 'COMMENT', 'DECLINE', 'REFER', 'RESOLVE']);
    const before = await street.get('/inbox');
    const countBefore = Number(NAV_COUNT.exec(before.text)?.[1] ?? 0);

    const refer = await post(c1, id, 'REFER', { to: 'street', note: '需街道协调加装坡道。' });
    expect(refer.status, refer.text.slice(0, 500)).toBe(303);
    const r = await row(id);
    expect(r).toMatchObject({ state: 'referred', referred_to: 'street:st-gongbei' });
    // the deadline is the workflow's (enrich), shown in Asia/Shanghai
    const mine = await c1.get(`/needs/${id}`);
    expect(mine.text).toContain(formatShanghai(r.deadline, 'datetime'));
    // the community may no longer resolve it: no form, the reason instead
    expect(formsOn(mine.text)).toEqual(['COMMENT']);
    expect(mine.text).toContain('须由承办单位办结');

    // the street's inbox lists it, with the nav count including it
    const inbox = await street.get('/inbox');
    expect(inbox.status).toBe(200);
    expect(inbox.text).toContain('id="needs"');
    expect(inbox.text).toContain(`/needs/${id}`);
    expect(inbox.text).toContain(r.ref);
    const countAfter = Number(NAV_COUNT.exec(inbox.text)?.[1] ?? 0);
    expect(countAfter).toBe(countBefore + 1);
    const streetUser = (await app.deps.services.users.findByEmail(U.street))!;
    const model = await app.deps.services.inbox.page(streetUser, 1);
    expect(await app.deps.services.inbox.count(streetUser)).toBe(model.total + model.needs.total);

    const streetPage = await street.get(`/needs/${id}`);
    expect(streetPage.status).toBe(200);
    expect(formsOn(streetPage.text)).toEqual(['COMMENT', 'RESOLVE']);
    expect(streetPage.text).toContain('13912345678'); // the referred party calls the resident back
    const resolve = await post(street, id, 'RESOLVE', { resolution: '已协调物业加装无障碍坡道。' });
    expect(resolve.status).toBe(303);
    expect((await row(id)).state).toBe('resolved');
    const after = await street.get('/inbox');
    expect(after.text).not.toContain(`/needs/${id}`);
    // the timeline tells the story; the community may now inform the resident
    const done = await c1.get(`/needs/${id}?lang=en`);
    expect(done.text).toContain('Need recorded');
    expect(done.text).toContain('Referred to the street office');
    expect(formsOn(done.text)).toEqual(['COMMENT', 'INFORM_RESIDENT']);
    expect((await post(c1, id, 'INFORM_RESIDENT', { note: '已电话告知居民。' })).status).toBe(303);
    // the district reads it with the contact masked
    const district = await agentFor(app, U.district);
    const masked = await district.get(`/needs/${id}`);
    expect(masked.status).toBe(200);
    expect(masked.text).not.toContain('13912345678');
    expect(masked.text).toContain('139****5678');
  });

  it('adopting into a new draft creates the project, and the project page lists the need behind it', async () => {
    const id = await recordNeed({ type: 'daily_care', description: '独居老人需要助行器。' });
    const page = await c1.get(`/needs/${id}`);
    // an existing open project of the community is offered too
    const open = await app.t.db('projects').where({ community_id: 'cm-lianhua' }).whereNotIn('state', ['rejected', 'withdrawn', 'cancelled', 'closed']).first('id');
    if (open) expect(page.text).toContain(`value="${open.id}"`);
    const year = String(Number(shanghaiDate(app.clock.now().toISOString()).slice(0, 4)));
    const res = await post(c1, id, 'ADOPT', {
      'newProject.title': '助行器配置', 'newProject.type': 'goods', 'newProject.category': '助行', 'newProject.mainGroup': '残疾人', 'newProject.budgetYear': year,
      'newProject.description': '为独居老人配置助行器。', 'newProject.items.0.name': '助行器', 'newProject.items.0.quantity': '4', 'newProject.items.0.unitFen': '500',
    });
    expect(res.status, res.text.slice(0, 2000)).toBe(303);
    const r = await row(id);
    expect(r.state).toBe('adopted');
    expect(r.project_id).toEqual(expect.any(String));
    const project = await app.t.db('projects').where({ id: r.project_id }).first();
    expect(project).toMatchObject({ title: '助行器配置', state: 'draft', community_id: 'cm-lianhua' });
    const needPage = await c1.get(`/needs/${id}`);
    expect(needPage.text).toContain(`/projects/${r.project_id}`);
    const projectPage = await c1.get(`/projects/${r.project_id}`);
    expect(projectPage.status).toBe(200);
    expect(projectPage.text).toContain('本项目来源的需求');
    expect(projectPage.text).toContain(`/needs/${id}`);
    expect(projectPage.text).toContain(r.ref);

    // a second need into that project, chosen from the form's select of the community's open projects
    const second = await recordNeed({ type: 'daily_care', description: '另一位老人也需要助行器。' });
    const form = await c1.get(`/needs/${second}`);
    expect(form.text).toContain(`<option value="${r.project_id}">`);
    expect((await post(c1, second, 'ADOPT', { projectId: r.project_id })).status).toBe(303);
    expect(await app.t.db('need_projects').where({ project_id: r.project_id }).pluck('need_id')).toEqual(expect.arrayContaining([id, second]));
    const both = await c1.get(`/projects/${r.project_id}?lang=en`);
    expect(both.text).toContain('The needs behind this project');
    expect(both.text).toContain(`/needs/${second}`);
    // a form sent after the need moved on: refused (409) on the page, naming the need's state
    const stale = await c1.post(`/needs/${second}/events/RESOLVE`).type('form').send({ _csrf: csrfOf(form.text), resolution: '已办结' });
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('需求当前状态（已纳入项目）不接受此操作');
    // another community of another street reads none of it
    const c3 = await agentFor(app, U.c3);
    expect((await c3.get(`/needs/${second}`)).status).toBe(403);
  });

  it('bad input comes back on the page, 422, with messages in the reader\'s language, and nothing changes', async () => {
    const id = await recordNeed();
    const before = await row(id);
    const history = async () => Number((await app.t.db('workflow_history').where({ instance_id: id }).count({ n: '*' }).first())!.n);
    const n = await history();
    const zh = await post(c1, id, 'RESOLVE', { resolution: '' });
    expect(zh.status).toBe(422);
    expect(zh.text).toContain('error-summary');
    expect(zh.text).toMatch(/办理情况：[^<]*\p{Script=Han}/u);
    const en = await post(c1, id, 'DECLINE', { reason: ' ' }, 'en');
    expect(en.status).toBe(422);
    expect(en.text).toMatch(/Reason for declining: [\x20-\x7e]+/);
    // ADOPT with both an existing project and a new one (or neither): the workflow's "one of"
    const neither = await post(c1, id, 'ADOPT', {}, 'en');
    expect(neither.status).toBe(422);
    expect(neither.text).toContain('id="form-ADOPT"');
    // a referral to a community outside the street
    const far = await post(c1, id, 'REFER', { to: 'community', communityId: 'cm-nowhere' });
    expect(far.status).toBe(422);
    expect(far.text).toMatch(HAN);
    // a stale version: 412, the page again
    const stale = await c1.post(`/needs/${id}/events/COMMENT`).type('form').send({ _csrf: csrfOf((await c1.get(`/needs/${id}`)).text), expectedVersion: '99', text: 'x' });
    expect(stale.status).toBe(412);
    expect(await row(id)).toEqual(before);
    expect(await history()).toBe(n);

    // recording: a bad phone number, in both languages, and no need recorded
    const count = Number((await app.t.db('needs').count({ n: '*' }).first())!.n);
    const form = await c1.get('/needs/new');
    const bad = await c1.post('/needs/new').type('form').send({ _csrf: csrfOf(form.text), source: 'call', type: 'other', description: '', 'contact.phone': 'abc' });
    expect(bad.status).toBe(422);
    expect(bad.text).toMatch(/联系电话：[^<]*\p{Script=Han}/u);
    const badEn = await c1.post('/needs/new?lang=en').type('form').send({ _csrf: csrfOf(form.text), source: 'public', type: 'nope', description: 'x' });
    expect(badEn.status).toBe(422);
    expect(badEn.text).toMatch(/Type of need: [\x20-\x7e]+/);
    expect(Number((await app.t.db('needs').count({ n: '*' }).first())!.n)).toBe(count);
  });

  it('another community\'s need is 403, an unknown one 404, and a post without its CSRF token 403 with nothing changed', async () => {
    const id = await recordNeed();
    const c3 = await agentFor(app, U.c3);
    expect((await c3.get(`/needs/${id}`)).status).toBe(403);
    const own = await c3.get('/needs');
    expect(own.text).not.toContain(`/needs/${id}`);
    const csrf = csrfOf(own.text);
    expect((await c3.post(`/needs/${id}/events/COMMENT`).type('form').send({ _csrf: csrf, text: '越权' })).status).toBe(403);
    expect((await c1.get(`/needs/${randomUUID()}`)).status).toBe(404);
    expect((await c1.post(`/needs/${id}/events/REFERRAL_ESCALATION`).type('form').send({ _csrf: csrfOf((await c1.get('/needs')).text) })).status).toBe(404);
    const v1 = await agentFor(app, U.v1);
    expect((await v1.get('/needs')).status).toBe(403);
    const before = await row(id);
    expect((await c1.post(`/needs/${id}/events/DECLINE`).type('form').send({ reason: '无 CSRF' })).status).toBe(403);
    expect((await c1.post('/needs/new').type('form').send({ source: 'call', type: 'other', description: '无 CSRF' })).status).toBe(403);
    expect(await row(id)).toEqual(before);
  });

  it('a list of 1,200 needs pages 50 at a time and counts truly, scoped by role and filtered', async () => {
    const { engine, services } = app.deps;
    const community = await services.reference.community('cm-yuehai');
    const district = (await services.reference.districts()).find((d) => d.id === community.districtId)!;
    const at = app.clock.now().toISOString();
    const year = Number(shanghaiDate(at).slice(0, 4));
    const actor = { id: 'seed', role: 'system' };
    const started = Date.now();
    await app.t.db.transaction(async (trx) => {
      for (let i = 0; i < 1200; i++) {
        const id = randomUUID();
        const input: NeedInput = {
          id, ref: await nextNeedRef(trx, district.id, district.code, year), districtId: district.id, streetId: community.streetId, communityId: community.id,
          source: i % 3 === 0 ? 'visit' : 'call', type: i % 2 === 0 ? 'supplies' : 'other', description: `批量需求 ${i}`, beneficiaryId: null, contact: null,
          rules: { ...DEFAULT_NEED_RULES }, createdBy: 'seed', receivedAt: at,
        };
        await engine.start(NEED_WORKFLOW, input, { actor, id, trx });
      }
    });
    expect(Date.now() - started).toBeLessThan(20_000);
    const district1 = await agentFor(app, U.district);
    const first = await district1.get('/needs?communityId=cm-yuehai');
    expect(first.status).toBe(200);
    expect(first.text).toContain('共 1200 条需求（第 1/24 页）');
    expect(first.text.match(/class="need-row"/g)).toHaveLength(50);
    const seen = new Set<string>();
    for (const p of [1, 2, 24]) {
      const res = await district1.get(`/needs?communityId=cm-yuehai&page=${p}&lang=en`);
      expect(res.text).toContain(`1200 needs (page ${p} of 24)`);
      for (const m of res.text.matchAll(/href="\/needs\/([0-9a-f-]{36})/g)) seen.add(m[1]!);
    }
    expect(seen.size).toBe(150);
    const supplies = await district1.get('/needs?communityId=cm-yuehai&type=supplies&source=visit');
    expect(supplies.text).toContain('共 200 条需求（第 1/4 页）');
    // no personal data in the list
    expect(first.text).not.toContain('批量需求');
    // community staff of another community see none of them
    const c1list = await c1.get('/needs?communityId=cm-yuehai');
    expect(c1list.text).toContain('共 0 条需求');
    // the street of the community sees them all
    const streetList = await street.get('/needs?communityId=cm-yuehai&state=received');
    expect(streetList.text).toContain('共 1200 条需求');
    // a filter that does not fit: 422, never a 500
    expect((await district1.get('/needs?state=nope')).status).toBe(422);

    // they all wait for the community: its inbox pages them and its navigation counts them
    await services.users.create({ email: 'yuehai@example.org', name: '粤海社区', role: 'community', communityId: 'cm-yuehai', password: DEMO_PASSWORD });
    const c4 = await agentFor(app, 'yuehai@example.org');
    const inbox = await c4.get('/inbox');
    expect(inbox.text).toContain('共 1200 条需求待办（第 1/24 页）');
    const c4user = (await services.users.findByEmail('yuehai@example.org'))!;
    const model = await services.inbox.page(c4user, 1, 24);
    expect(model.needs.rows).toHaveLength(50);
    expect(Number(NAV_COUNT.exec(inbox.text)?.[1])).toBe(model.total + 1200);
    const last = await c4.get('/inbox?needsPage=24&lang=en');
    expect(last.text).toContain('1200 needs waiting (page 24 of 24)');
  }, 60_000);

  it('a referral past its deadline is marked overdue in the inbox of the party it went to and on the need', async () => {
    const id = await recordNeed();
    expect((await post(c1, id, 'REFER', { to: 'street' })).status).toBe(303);
    const deadline = (await row(id)).deadline as string;
    app.clock.set(Date.parse(deadline) + 60_000);
    const inbox = await street.get('/inbox');
    expect(inbox.text).toMatch(/其中 \d+ 条已超过转办期限/);
    const line = new RegExp(`href="/needs/${id}"[\\s\\S]*?</tr>`).exec(inbox.text)?.[0] ?? '';
    expect(line).toContain('badge-overdue');
    expect((await street.get(`/needs/${id}`)).text).toContain('badge-overdue');
  });
});
