// Issue 9 item 10: smaller answers that misled. Each reproduces the probe and checks that nothing
// changed when the request was refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, goodsProject, U } from '../support/lifecycle.js';
import { agentFor, csrfOf } from './pages-helpers.js';

describe('answers that no longer mislead', () => {
  let a: TestApp;
  beforeAll(async () => {
    a = await createTestApp();
  });
  afterAll(async () => {
    await a.close();
  });

  it('when an unknown POST, PUT or DELETE under /api/v1 carries a Bearer token, then 404 JSON, not a CSRF page', async () => {
    const token = await a.token(U.c1);
    for (const method of ['post', 'put', 'delete', 'patch'] as const) {
      const res = await a.http[method]('/api/v1/no-such-call').set('Authorization', `Bearer ${token}`).send({});
      expect(res.status, method).toBe(404);
      expect(res.headers['content-type'], method).toMatch(/json/);
      expect(res.body.error.code, method).toBe('NOT_FOUND');
    }
    const get = await a.http.get('/api/v1/projects/x/nothing').set('Authorization', `Bearer ${token}`);
    expect(get.status).toBe(404);
    expect(get.body.error.code).toBe('NOT_FOUND');
  });

  it('when a page form carries a malformed expectedVersion, then it is refused (422) and the event is not applied', async () => {
    const p = await api(a).create(U.c1, goodsProject());
    const agent = await agentFor(a, U.c1);
    const page = await agent.get(`/projects/${p.id}`);
    const before = await a.deps.db('workflow_history').where({ instance_id: p.id });
    for (const bad of ['1.5', 'abc', '', '-1']) {
      const res = await agent.post(`/projects/${p.id}/events/COMMENT`).type('form').send({ _csrf: csrfOf(page.text), expectedVersion: bad, text: '版本号不对' });
      expect(res.status, bad).toBe(422);
      expect(res.headers['content-type']).toMatch(/html/);
    }
    expect(await a.deps.db('workflow_history').where({ instance_id: p.id })).toEqual(before);
    // A well-formed version still works.
    const ok = await agent.post(`/projects/${p.id}/events/COMMENT`).type('form').send({ _csrf: csrfOf(page.text), expectedVersion: String(p.version), text: '版本号对' });
    expect(ok.status).toBe(303);
  });

  it('when a page form is too large, then 413 with the error page in the user\'s language, not JSON', async () => {
    const agent = await agentFor(a, U.c1);
    const page = await agent.get('/inbox');
    const big = 'x'.repeat(300_000);
    const zh = await agent.post('/public/notices/x').type('form').send({ _csrf: csrfOf(page.text), text: big });
    expect(zh.status).toBe(413);
    expect(zh.headers['content-type']).toMatch(/html/);
    expect(zh.text).toContain('提交的内容过大');
    expect(zh.text).toContain('<html lang="zh-CN"');
    const en = await agent.post('/public/notices/x?lang=en').type('form').send({ _csrf: csrfOf(page.text), text: big });
    expect(en.status).toBe(413);
    expect(en.text).toContain('too large');
    // The API still answers JSON.
    const json = await a.http.post('/api/v1/auth/token').set('content-type', 'application/json').send(`{"email":"${'x'.repeat(1_100_000)}"}`);
    expect(json.status).toBe(413);
    expect(json.body.error.code).toBe('TOO_LARGE');
  });
});
