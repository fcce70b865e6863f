// Every project page route × every demo role (signed in through the real /login form) and
// anonymous: exactly the access each should get. And every state-changing project form without a
// valid CSRF token is refused with 403 and changes nothing (the project's version, state and
// history, the number of projects, the documents).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, goodsProject, toContracting, U, VENDORS } from '../support/lifecycle.js';
import { agentFor, csrfOf, type Agent } from './pages-helpers.js';

const WHO = ['anonymous', U.c1, U.c3, U.street, U.district, U.finance, U.v1, U.v3, U.admin] as const;
type Who = (typeof WHO)[number];
const NO_SUCH_PROJECT = '00000000-0000-4000-8000-000000000000';
const NO_SUCH_DOCUMENT = 'f'.repeat(64);
// a real image (4 × 3): images are decoded and re-encoded when stored, so magic bytes alone no longer pass
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAQAAAADCAIAAAA7ljmRAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAEElEQVQImWMwXlUORww4OQAzzg/xUTK2PQAAAABJRU5ErkJggg==', 'base64');

/**
 * The project P (莲花社区 in 拱北街道, in procurement.contracting, awarded directly to 康复辅具 =
 * vendor1; vendor3 was never invited) as each one may see it.
 */
const SEES_P: Record<Who, number> = {
  anonymous: 302, [U.c1]: 200, [U.c3]: 403, [U.street]: 200, [U.district]: 200, [U.finance]: 200, [U.v1]: 200, [U.v3]: 403, [U.admin]: 200,
};
/** A document uploaded to P: readable by whoever may read P; 404 to the rest (existence not disclosed). */
const SEES_DOC: Record<Who, number> = { ...SEES_P, [U.c3]: 404, [U.v3]: 404 };
/** COMMENT on P: every signed-in role in scope; admins send no lifecycle events; anonymous must sign in. */
const COMMENTS_P: Record<Who, number> = {
  anonymous: 401, [U.c1]: 303, [U.c3]: 403, [U.street]: 303, [U.district]: 303, [U.finance]: 303, [U.v1]: 303, [U.v3]: 403, [U.admin]: 403,
};

describe('project page access by role', () => {
  let app: TestApp;
  const agents = new Map<Who, Agent>();
  let pId = '';
  let docId = '';

  /** The project as stored: engine version and state, history length. */
  async function snapshot(id: string) {
    const inst = await app.deps.db('workflow_instances').where({ id }).first('version', 'state');
    const history = await app.deps.db('workflow_history').where({ instance_id: id }).count({ n: '*' }).first();
    return { version: Number(inst.version), state: inst.state as string, history: Number(history?.n) };
  }
  const projectCount = async () => Number((await app.deps.db('projects').count({ n: '*' }).first())?.n);
  const documentCount = async () => Number((await app.deps.db('documents').count({ n: '*' }).first())?.n);
  /** A valid CSRF token of this agent's session (from a page with a form). */
  async function tokenOf(who: Who): Promise<string> {
    const res = await agents.get(who)!.get(who === 'anonymous' ? '/login' : '/inbox');
    return csrfOf(res.text);
  }

  beforeAll(async () => {
    app = await createTestApp({ env: { UPLOAD_DIR: `/tmp/wss-test-uploads-access-${process.pid}` } });
    for (const who of WHO) agents.set(who, await agentFor(app, who === 'anonymous' ? undefined : who));
    const p = await api(app).create(U.c1, goodsProject({ title: '访问矩阵测试' }));
    await toContracting(app, p.id, VENDORS.kangfu, 3_500_000);
    pId = p.id;
    // A document on P, uploaded through its COMMENT form by community1.
    const c1 = agents.get(U.c1)!;
    const page = await c1.get(`/projects/${pId}`);
    const version = /name="expectedVersion" value="(\d+)"/.exec(page.text)![1]!;
    const up = await c1.post(`/projects/${pId}/events/COMMENT?_csrf=${encodeURIComponent(csrfOf(page.text))}`)
      .field('expectedVersion', version).field('text', '合同草稿').attach('attachments', PNG, { filename: '合同草稿.png', contentType: 'image/png' });
    expect(up.status, up.text.slice(0, 300)).toBe(303);
    docId = (await app.deps.db('documents').first('id')).id as string;
  });
  afterAll(async () => app?.close());

  it('when each role opens GET /projects, then signed-in users get the list of what they may see and anonymous visitors go to /login', async () => {
    for (const who of WHO) {
      for (const path of ['/projects', '/projects?state=procurement&type=goods&q=%E8%AE%BF%E9%97%AE&year=2026&page=1', '/projects?lang=en']) {
        const res = await agents.get(who)!.get(path);
        if (who === 'anonymous') {
          expect(res.status, `${who} ${path}`).toBe(302);
          expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(path)}`);
          continue;
        }
        expect(res.status, `${who} ${path}`).toBe(200);
        // Scope: the project shows only to those who may read it.
        if (path !== '/projects?lang=en') expect(res.text.includes('访问矩阵测试'), `${who} ${path} lists P`).toBe(SEES_P[who] === 200);
      }
    }
  });

  it('when each role opens GET /projects/new, then only community workers get the form', async () => {
    for (const who of WHO) {
      const res = await agents.get(who)!.get('/projects/new');
      const expected = who === 'anonymous' ? 302 : who === U.c1 || who === U.c3 ? 200 : 403;
      expect(res.status, who).toBe(expected);
      if (expected === 302) expect(res.headers.location).toBe('/login?next=%2Fprojects%2Fnew');
      if (expected === 200) expect(res.text).toContain('action="/projects/new"');
    }
  });

  it('when each role posts the proposal form (POST /projects/new) with a valid token, then only community workers create a project', async () => {
    for (const who of WHO) {
      const before = await projectCount();
      const res = await agents.get(who)!.post('/projects/new').type('form').send({
        _csrf: await tokenOf(who), title: `矩阵新建 ${who}`, type: 'goods', category: '助行', mainGroup: '残疾人', description: '测试。',
        'items.0.name': '轮椅', 'items.0.quantity': '1', 'items.0.unitFen': '1000',
      });
      const community = who === U.c1 || who === U.c3;
      expect(res.status, who).toBe(community ? 303 : who === 'anonymous' ? 401 : 403);
      expect(await projectCount(), who).toBe(before + (community ? 1 : 0));
      if (community) expect(res.headers.location).toMatch(/^\/projects\/[0-9a-f-]{36}$/);
    }
  });

  it('when each role opens GET /projects/:id, then exactly those in scope see it; an unknown id is 404', async () => {
    for (const who of WHO) {
      const res = await agents.get(who)!.get(`/projects/${pId}`);
      expect(res.status, `${who} P`).toBe(SEES_P[who]);
      if (res.status === 302) expect(res.headers.location).toBe(`/login?next=%2Fprojects%2F${pId}`);
      if (res.status === 200) expect(res.text).toContain('访问矩阵测试');
      else expect(res.text, `${who} sees nothing of P`).not.toContain('访问矩阵测试');
      const missing = await agents.get(who)!.get(`/projects/${NO_SUCH_PROJECT}`);
      expect(missing.status, `${who} unknown project`).toBe(who === 'anonymous' ? 302 : 404);
    }
    // The awarded vendor sees the contract form's counterpart (no community forms).
    const v1 = await agents.get(U.v1)!.get(`/projects/${pId}`);
    expect(v1.text).not.toContain('id="form-SIGN_CONTRACT"');
    expect((await agents.get(U.c1)!.get(`/projects/${pId}`)).text).toContain('id="form-SIGN_CONTRACT"');
  });

  it('when each role opens GET /vendor, then only vendors get the portal, each with its own projects', async () => {
    for (const who of WHO) {
      const res = await agents.get(who)!.get('/vendor');
      const expected = who === 'anonymous' ? 302 : who === U.v1 || who === U.v3 ? 200 : 403;
      expect(res.status, who).toBe(expected);
      if (expected === 302) expect(res.headers.location).toBe('/login?next=%2Fvendor');
    }
    expect((await agents.get(U.v1)!.get('/vendor')).text).toContain('访问矩阵测试');
    expect((await agents.get(U.v3)!.get('/vendor')).text).not.toContain('访问矩阵测试');
  });

  it('when each role opens GET /documents/:id, then those who may read its project get it; the rest 404', async () => {
    for (const who of WHO) {
      const res = await agents.get(who)!.get(`/documents/${docId}`);
      expect(res.status, who).toBe(SEES_DOC[who]);
      if (res.status === 200) expect(res.headers['content-type']).toBe('image/png');
      if (res.status === 302) expect(res.headers.location).toBe(`/login?next=%2Fdocuments%2F${docId}`);
      for (const bad of [NO_SUCH_DOCUMENT, 'not-a-document-id']) {
        expect((await agents.get(who)!.get(`/documents/${bad}`)).status, `${who} ${bad}`).toBe(who === 'anonymous' ? 302 : 404);
      }
    }
  });

  it('when each role posts an event form (POST /projects/:id/events/:type) with a valid token, then only what it may do changes the project', async () => {
    for (const who of WHO) {
      const agent = agents.get(who)!;
      // COMMENT: everyone in scope but the admin.
      let before = await snapshot(pId);
      let res = await agent.post(`/projects/${pId}/events/COMMENT`).type('form').send({ _csrf: await tokenOf(who), expectedVersion: String(before.version), text: `来自 ${who} 的意见` });
      expect(res.status, `${who} COMMENT`).toBe(COMMENTS_P[who]);
      let after = await snapshot(pId);
      if (res.status === 303) {
        expect(after, `${who} COMMENT`).toEqual({ ...before, version: before.version + 1, history: before.history + 1 });
        expect(res.headers.location).toBe(`/projects/${pId}`);
      } else {
        expect(after, `${who} COMMENT refused`).toEqual(before);
      }
      // CANCEL: the district's alone; every other role is refused and nothing changes.
      if (who !== U.district) {
        before = await snapshot(pId);
        res = await agent.post(`/projects/${pId}/events/CANCEL`).type('form').send({ _csrf: await tokenOf(who), expectedVersion: String(before.version), reason: '测试撤销' });
        expect(res.status, `${who} CANCEL`).toBe(who === 'anonymous' ? 401 : 403);
        after = await snapshot(pId);
        expect(after, `${who} CANCEL`).toEqual(before);
      }
      // An event with no form (a timer's) or no such event, and no such project: 404 (anonymous: 401).
      before = await snapshot(pId);
      for (const path of [`/projects/${pId}/events/NOTICE_ENDED`, `/projects/${pId}/events/NOPE`, `/projects/${NO_SUCH_PROJECT}/events/COMMENT`]) {
        res = await agent.post(path).type('form').send({ _csrf: await tokenOf(who), text: 'x' });
        expect(res.status, `${who} ${path}`).toBe(who === 'anonymous' ? 401 : 404);
      }
      expect(await snapshot(pId)).toEqual(before);
    }
    // Each role's own event, in the right state: the contract by community1, confirmed by vendor1
    // (vendor3, never invited, may not), the advance paid by finance, and a cancellation by the
    // district of another project.
    const send = async (who: Who, id: string, type: string, body: Record<string, string>) => {
      const page = await agents.get(who)!.get(`/projects/${id}`);
      const version = /name="expectedVersion" value="(\d+)"/.exec(page.text)?.[1] ?? '0';
      return agents.get(who)!.post(`/projects/${id}/events/${type}`).type('form').send({ _csrf: await tokenOf(who), expectedVersion: version, ...body });
    };
    const signed = await send(U.c1, pId, 'SIGN_CONTRACT', { contractNo: 'HT-M-1', 'items.0.name': '履带式爬楼机', 'items.0.quantity': '2', 'items.0.unitFen': '17500', amountFen: '35000', dueOn: '2026-06-30' });
    expect(signed.status, signed.text.slice(0, 500)).toBe(303);
    const before = await snapshot(pId);
    expect((await send(U.v3, pId, 'CONFIRM_CONTRACT', {})).status).toBe(403);
    expect(await snapshot(pId)).toEqual(before);
    expect((await send(U.v1, pId, 'CONFIRM_CONTRACT', {})).status).toBe(303);
    expect((await snapshot(pId)).state).toBe('delivery');
    expect((await send(U.finance, pId, 'RECORD_PAYMENT', { tranche: 'advance', amountFen: '10500', voucherNo: 'PZ-M-1' })).status).toBe(303);
    const other = await api(app).create(U.c1, goodsProject({ title: '矩阵撤销' }));
    expect((await send(U.district, other.id, 'CANCEL', { reason: '重复立项' })).status).toBe(303);
    expect((await snapshot(other.id)).state).toBe('cancelled');
  });

  it('when any project form is posted without a valid CSRF token, then it is refused with 403 and nothing changes', async () => {
    const q = await api(app).create(U.c1, goodsProject({ title: 'CSRF 矩阵' }));
    const forms: Array<{ who: Who; id: string; type: string; body: Record<string, string> }> = [
      { who: U.c1, id: q.id, type: 'SUBMIT', body: {} },
      { who: U.c1, id: q.id, type: 'EDIT', body: { 'fields.title': '被篡改' } },
      { who: U.c1, id: q.id, type: 'WITHDRAW', body: { reason: '伪造' } },
      { who: U.c1, id: pId, type: 'COMMENT', body: { text: '伪造' } },
      { who: U.c3, id: pId, type: 'COMMENT', body: { text: '伪造' } },
      { who: U.street, id: pId, type: 'COMMENT', body: { text: '伪造' } },
      { who: U.district, id: pId, type: 'CANCEL', body: { reason: '伪造' } },
      { who: U.finance, id: pId, type: 'RECORD_PAYMENT', body: { tranche: 'advance', amountFen: '1', voucherNo: 'X' } },
      { who: U.v1, id: pId, type: 'REQUEST_ACCEPTANCE', body: {} },
      { who: U.v3, id: pId, type: 'COMMENT', body: { text: '伪造' } },
      { who: U.admin, id: pId, type: 'COMMENT', body: { text: '伪造' } },
      { who: 'anonymous', id: pId, type: 'COMMENT', body: { text: '伪造' } },
    ];
    // Another session's token (community2 signed in separately) is no good either.
    const stranger = await tokenOfOtherSession();
    for (const f of forms) {
      const agent = agents.get(f.who)!;
      const before = { p: await snapshot(f.id), projects: await projectCount(), documents: await documentCount() };
      const version = String(before.p.version);
      const path = `/projects/${f.id}/events/${f.type}`;
      const attempts = [
        agent.post(path).type('form').send({ ...f.body, expectedVersion: version }),
        agent.post(path).type('form').send({ ...f.body, expectedVersion: version, _csrf: 'forged' }),
        agent.post(path).type('form').send({ ...f.body, expectedVersion: version, _csrf: stranger }),
        agent.post(path).set('X-CSRF-Token', stranger).type('form').send({ ...f.body, expectedVersion: version }),
        // multipart, as the upload forms post: no token in the query, or a forged one
        agent.post(path).field('expectedVersion', version).field('text', '伪造').attach('attachments', PNG, { filename: 'x.png', contentType: 'image/png' }),
        agent.post(`${path}?_csrf=forged`).field('expectedVersion', version).field('text', '伪造').attach('attachments', PNG, { filename: 'x.png', contentType: 'image/png' }),
      ];
      for (const [n, attempt] of attempts.entries()) {
        const res = await attempt;
        expect(res.status, `${f.who} ${f.type} attempt ${n}`).toBe(403);
      }
      expect({ p: await snapshot(f.id), projects: await projectCount(), documents: await documentCount() }, `${f.who} ${f.type}`).toEqual(before);
    }
    // The proposal form.
    for (const who of [U.c1, U.c3] as const) {
      const before = await projectCount();
      const body = { title: '伪造立项', type: 'goods', category: '助行', mainGroup: '残疾人', description: 'x', 'items.0.name': 'x', 'items.0.quantity': '1', 'items.0.unitFen': '1' };
      for (const csrf of [undefined, 'forged', stranger]) {
        const res = await agents.get(who)!.post('/projects/new').type('form').send({ ...body, ...(csrf ? { _csrf: csrf } : {}) });
        expect(res.status, `${who} POST /projects/new with ${csrf ?? 'no token'}`).toBe(403);
      }
      expect(await projectCount()).toBe(before);
    }
    expect((await app.deps.db('projects').where({ id: q.id }).first('title')).title).toBe('CSRF 矩阵');

    async function tokenOfOtherSession(): Promise<string> {
      const other = await agentFor(app, U.c2);
      return csrfOf((await other.get('/inbox')).text);
    }
  });
});
