// The project pages through real HTTP: sign-in with the log-in form, CSRF tokens from the pages,
// forms posted as a browser posts them (urlencoded or multipart).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import { createTestApp, DEMO_PASSWORD, type TestApp } from '../support/app.js';
import { U } from '../support/lifecycle.js';

let app: TestApp;
type Agent = ReturnType<typeof supertest.agent>;

const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

async function signIn(email: string): Promise<Agent> {
  const agent = supertest.agent(app.app);
  const login = await agent.get('/login');
  const res = await agent.post('/login').type('form').send({ email, password: DEMO_PASSWORD, _csrf: csrfIn(login.text), next: '/projects' });
  expect(res.status, `log-in as ${email}`).toBe(302);
  return agent;
}

/** Fetches a page and returns its CSRF token and the project version in its forms. */
async function formState(agent: Agent, path: string) {
  const res = await agent.get(path);
  expect(res.status, `GET ${path}`).toBe(200);
  return { html: res.text, csrf: csrfIn(res.text), version: /name="expectedVersion" value="(\d+)"/.exec(res.text)?.[1] ?? '' };
}

const NEW_PROJECT = {
  title: '楼道扶手安装', type: 'works', category: '公共设施', mainGroup: '老年人', description: '为6栋老旧楼道安装扶手。',
  'items.0.name': '不锈钢扶手（每栋）', 'items.0.quantity': '6', 'items.0.unitFen': '3,000', 'items.1.name': '', 'items.1.quantity': '', 'items.1.unitFen': '',
  estimatedFen: '', beneficiaryCount: '120',
};

async function createViaForm(agent: Agent, over: Record<string, string> = {}): Promise<string> {
  const { csrf } = await formState(agent, '/projects/new');
  const res = await agent.post('/projects/new').type('form').send({ ...NEW_PROJECT, ...over, _csrf: csrf });
  expect(res.status, res.text.slice(0, 2000)).toBe(303);
  const id = /\/projects\/([0-9a-f-]{36})/.exec(res.headers.location as string)?.[1];
  expect(id).toBeTruthy();
  return id!;
}

async function stateOf(id: string): Promise<string> {
  return (await app.deps.db('projects').where({ id }).first('state')).state as string;
}

// a real image (4 × 3): images are decoded and re-encoded when stored, so magic bytes alone no longer pass
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAQAAAADCAIAAAA7ljmRAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAEElEQVQImWMwXlUORww4OQAzzg/xUTK2PQAAAABJRU5ErkJggg==', 'base64');

beforeAll(async () => {
  app = await createTestApp({ env: { UPLOAD_DIR: `/tmp/wss-test-uploads-${process.pid}` } });
});
afterAll(async () => app?.close());

describe('project pages', () => {
  it('when a community worker fills in the proposal form, then the project is created with amounts in fen and shown', async () => {
    const c1 = await signIn(U.c1);
    const id = await createViaForm(c1);
    const row = await app.deps.db('projects').where({ id }).first();
    expect(row.estimated_fen).toBe(1_800_000); // 6 × ¥3,000 (blank total = the items' sum)
    expect(row.state).toBe('draft');
    const page = await c1.get(`/projects/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('楼道扶手安装');
    expect(page.text).toContain('<svg class="statechart"');
    expect(page.text).toContain('id="form-SUBMIT"');
    const list = await c1.get('/projects?q=%E6%A5%BC%E9%81%93');
    expect(list.text).toContain('楼道扶手安装');
    const en = await c1.get(`/projects/${id}?lang=en`);
    expect(en.text).toContain('What you can do now');
    expect(en.text).toContain(`action="/projects/${id}/events/SUBMIT?lang`);
    // the history names who acted, for another reader too
    const district = await signIn(U.district);
    expect((await district.get(`/projects/${id}`)).text).toContain('李芳（莲花社区）');
  });

  it('when the form has a bad amount and no title, then both field errors come back with what was typed', async () => {
    const c1 = await signIn(U.c1);
    const { csrf } = await formState(c1, '/projects/new');
    const res = await c1.post('/projects/new').type('form').send({ ...NEW_PROJECT, title: '', 'items.0.unitFen': 'abc', description: '保留我输入的内容', _csrf: csrf });
    expect(res.status).toBe(422);
    expect(res.text).toContain('class="error-summary"');
    expect(res.text).toContain('href="#f-title"');
    expect(res.text).toContain('href="#f-items.0.unitFen"');
    expect(res.text).toContain('请填写金额（元）');
    expect(res.text).toContain('此项必填');
    expect(res.text).toContain('value="abc"');
    expect(res.text).toContain('保留我输入的内容');
    const en = await c1.post('/projects/new?lang=en').type('form').send({ ...NEW_PROJECT, title: '', _csrf: csrf });
    expect(en.status).toBe(422);
    expect(en.text).toContain('This field is required.');
  });

  it('when each role opens a project in screening, then each sees only the actions it may take', async () => {
    const c1 = await signIn(U.c1);
    const id = await createViaForm(c1, { title: '岗位分离测试' });
    let s = await formState(c1, `/projects/${id}`);
    const sent = await c1.post(`/projects/${id}/events/SUBMIT`).type('form').send({ _csrf: s.csrf, expectedVersion: s.version });
    expect(sent.status).toBe(303);
    expect(await stateOf(id)).toBe('screening');

    s = await formState(c1, `/projects/${id}`);
    expect(s.html).not.toContain('id="form-SCREEN_PASS"');
    expect(s.html).toContain('按不相容岗位分离要求，须由其他工作人员办理'); // the reason, as a sentence
    const c2 = await formState(await signIn(U.c2), `/projects/${id}`);
    expect(c2.html).toContain('id="form-SCREEN_PASS"');
    expect(c2.html).toContain('id="form-RETURN"');
    const street = await formState(await signIn(U.street), `/projects/${id}`);
    expect(street.html).not.toContain('id="form-SCREEN_PASS"');
    expect(street.html).toContain('id="form-COMMENT"');
    const district = await formState(await signIn(U.district), `/projects/${id}`);
    expect(district.html).toContain('id="form-CANCEL"');
    expect(district.html).not.toContain('id="form-SCREEN_PASS"');
    const c3 = await (await signIn(U.c3)).get(`/projects/${id}`);
    expect(c3.status).toBe(403);
    const vendor = await (await signIn(U.v1)).get(`/projects/${id}`);
    expect(vendor.status).toBe(403);
    // a role posting an event it may not send gets the page back with the reason, and nothing changes
    const refused = await (await signIn(U.street)).post(`/projects/${id}/events/SCREEN_PASS`).type('form')
      .send({ _csrf: street.csrf, expectedVersion: street.version, 'checklist.positiveList': 'on' });
    expect(refused.status).toBe(403);
    expect(await stateOf(id)).toBe('screening');
  });

  it('when an event form is posted without a CSRF token, then it is refused with 403 and nothing changes', async () => {
    const c1 = await signIn(U.c1);
    const id = await createViaForm(c1, { title: 'CSRF 测试' });
    const { version } = await formState(c1, `/projects/${id}`);
    const res = await c1.post(`/projects/${id}/events/SUBMIT`).type('form').send({ expectedVersion: version });
    expect(res.status).toBe(403);
    const forged = await c1.post(`/projects/${id}/events/WITHDRAW`).type('form').send({ _csrf: 'forged', reason: 'x', expectedVersion: version });
    expect(forged.status).toBe(403);
    expect(await stateOf(id)).toBe('draft');
  });

  it('when a form is stale, then VERSION_CONFLICT comes back as a clear message with the typed values', async () => {
    const c1 = await signIn(U.c1);
    const id = await createViaForm(c1, { title: '版本冲突测试' });
    const { csrf, version } = await formState(c1, `/projects/${id}`);
    const ok = await c1.post(`/projects/${id}/events/COMMENT`).type('form').send({ _csrf: csrf, expectedVersion: version, text: '第一条' });
    expect(ok.status).toBe(303);
    const stale = await c1.post(`/projects/${id}/events/COMMENT`).type('form').send({ _csrf: csrf, expectedVersion: version, text: '过期表单里的内容' });
    expect(stale.status).toBe(412);
    expect(stale.text).toContain('项目已被他人更新');
    expect(stale.text).toContain('过期表单里的内容');
  });

  it('when free text holds <script>, then every page shows it escaped', async () => {
    const c1 = await signIn(U.c1);
    const evil = '<script>alert(1)</script>\'"; DROP TABLE projects; --';
    const id = await createViaForm(c1, { title: `XSS ${evil}`, description: evil });
    const { csrf, version } = await formState(c1, `/projects/${id}`);
    const res = await c1.post(`/projects/${id}/events/COMMENT`).type('form').send({ _csrf: csrf, expectedVersion: version, text: evil, comment: evil });
    expect(res.status).toBe(303);
    for (const path of [`/projects/${id}`, '/projects', `/projects?q=${encodeURIComponent('<script>')}`]) {
      const page = await c1.get(path);
      expect(page.status).toBe(200);
      expect(page.text, path).not.toContain('<script>alert(1)</script>');
    }
    const page = await c1.get(`/projects/${id}`);
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(await app.deps.db('projects').count({ n: '*' })).toBeTruthy(); // the table is still there
  });

  it('when files are uploaded with an event, then type and size are checked and the document is served with safe headers', async () => {
    const c1 = await signIn(U.c1);
    const id = await createViaForm(c1, { title: '附件测试' });
    let s = await formState(c1, `/projects/${id}`);
    const wrong = await c1.post(`/projects/${id}/events/COMMENT?_csrf=${encodeURIComponent(s.csrf)}`)
      .field('expectedVersion', s.version).field('text', '附件').attach('attachments', Buffer.from('#!/bin/sh\necho hi\n'), { filename: 'run.sh', contentType: 'image/png' });
    expect(wrong.status).toBe(415);
    expect(wrong.text).toContain('只能上传 PDF、JPEG、PNG 或 WebP');
    const big = await c1.post(`/projects/${id}/events/COMMENT?_csrf=${encodeURIComponent(s.csrf)}`)
      .field('expectedVersion', s.version).field('text', '附件').attach('attachments', Buffer.concat([PNG, Buffer.alloc(30 * 1024 * 1024)]), { filename: 'big.png', contentType: 'image/png' });
    expect(big.status).toBe(413);
    expect(big.text).toContain('30 MB');
    expect((await app.deps.db('workflow_history').where({ instance_id: id, type: 'COMMENT' })).length).toBe(0);
    const noToken = await c1.post(`/projects/${id}/events/COMMENT`).field('expectedVersion', s.version).field('text', 'x').attach('attachments', PNG, 'a.png');
    expect(noToken.status).toBe(403);

    s = await formState(c1, `/projects/${id}`);
    const ok = await c1.post(`/projects/${id}/events/COMMENT?_csrf=${encodeURIComponent(s.csrf)}`)
      .field('expectedVersion', s.version).field('text', '现场照片').attach('attachments', PNG, { filename: '现场照片.png', contentType: 'image/png' });
    expect(ok.status, ok.text.slice(0, 500)).toBe(303);
    const page = await c1.get(`/projects/${id}`);
    const href = /href="(\/documents\/[0-9a-f]{64})"/.exec(page.text)?.[1];
    expect(href).toBeTruthy();
    expect(page.text).toContain('现场照片.png');
    const doc = await c1.get(href!);
    expect(doc.status).toBe(200);
    expect(doc.headers['content-type']).toBe('image/png');
    expect(doc.headers['x-content-type-options']).toBe('nosniff');
    expect(doc.headers['content-disposition']).toContain("filename*=UTF-8''");
    // another community's worker may not read it
    expect((await (await signIn(U.c3)).get(href!)).status).toBe(404);
    expect((await supertest(app.app).get(href!)).status).toBe(302); // anonymous → log-in
  });

  it('when a vendor opens the portal, then it lists only its own work', async () => {
    const v1 = await signIn(U.v1);
    const res = await v1.get('/vendor');
    expect(res.status).toBe(200);
    expect(res.text).toContain('邀请报价');
    const c1 = await signIn(U.c1);
    expect((await c1.get('/vendor')).status).toBe(403);
    expect((await c1.get('/projects/new')).status).toBe(200);
    expect((await v1.get('/projects/new')).status).toBe(403);
  });
});
