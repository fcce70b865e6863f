// Issue 9 item 7: requests that answered 500 now answer a 4xx with a message, and no log line
// carries SQL or its bound values.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACT_PATHS } from '../../src/lib/logger.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, goodsProject, U } from '../support/lifecycle.js';
import { agentFor, csrfOf, type Agent } from './pages-helpers.js';

describe('other 5xx (issue 9 item 7)', () => {
  let app: TestApp;
  const lines: string[] = [];
  let admin: Agent;
  let c1: Agent;
  let pId: string;
  beforeAll(async () => {
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    const logger = pino({ level: 'trace', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
    app = await createTestApp({ logger, env: { UPLOAD_DIR: `/tmp/wss-test-uploads-5xx-${process.pid}` } });
    admin = await agentFor(app, U.admin);
    c1 = await agentFor(app, U.c1);
    pId = (await api(app).create(U.c1, goodsProject({ title: '五百测试' }))).id;
  });
  afterAll(async () => app?.close());

  it('when a well-formed multipart body is posted to /login or /admin/allocations, then they answer 415 with a page in the user\'s language', async () => {
    const anon = await agentFor(app);
    const login = await anon.get('/login');
    const res = await anon.post(`/login?_csrf=${encodeURIComponent(csrfOf(login.text))}`).field('email', 'admin@example.org').field('password', 'x');
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('此表单不接受上传文件');

    const page = await admin.get('/admin/allocations');
    const before = await app.deps.db('allocations').count({ n: '*' }).first();
    const res2 = await admin.post(`/admin/allocations?lang=en&_csrf=${encodeURIComponent(csrfOf(page.text))}`)
      .field('communityId', 'cm-lianhua').field('year', '2026').field('allocated', '100').attach('x', Buffer.from('hi'), 'x.txt');
    expect(res2.status).toBe(415);
    expect(res2.text).toContain('This form does not accept files');
    expect(await app.deps.db('allocations').count({ n: '*' }).first()).toEqual(before);
  });

  it('when a malformed multipart body is posted to the event form, then it answers 400 with a page', async () => {
    const page = await c1.get(`/projects/${pId}`);
    const version = /name="expectedVersion" value="(\d+)"/.exec(page.text)![1]!;
    const action = `/projects/${pId}/events/COMMENT?_csrf=${encodeURIComponent(csrfOf(page.text))}`;
    const history = async () => Number((await app.deps.db('workflow_history').where({ instance_id: pId }).count({ n: '*' }).first())?.n);
    const h0 = await history();
    const B = 'XyZboundary';
    const part = (headers: string, body: string) => `--${B}\r\n${headers}\r\n\r\n${body}\r\n`;
    const bodies: Array<[string, string]> = [
      ['multipart/form-data', part('Content-Disposition: form-data; name="text"', 'hi')],
      [`multipart/form-data; boundary=${B}`, `--${B}\r\nContent-Disposition: form-data; name="expectedVersion"\r\n\r\n${version}\r\n--${B}\r\nContent-Disposition: form-data; name="attachments"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\u0089PNG`],
      [`multipart/form-data; boundary=${B}`, part('Content-Disposition: form-data; name="expectedVersion"', version) + part('Content-Disposition: form-data; name="text"', 'x') + `--${B}\r\nContent-Disposition: form-data; name="attachments"; filename="a\rb.png"\r\nContent-Type: image/png\r\n\r\nPNGDATA\r\n--${B}--\r\n`],
    ];
    for (const [type, body] of bodies) {
      const res = await c1.post(action).set('content-type', type).send(body);
      expect(res.status, `${type} ${JSON.stringify(body).slice(0, 80)}`).toBeGreaterThanOrEqual(400);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBeLessThan(500);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      if (res.status !== 422) expect(res.status).toBe(400);
    }
    // the first two cannot be read at all
    for (const [type, body] of bodies.slice(0, 2)) expect((await c1.post(action).set('content-type', type).send(body)).status).toBe(400);
    expect(await history()).toBe(h0);
  });

  it('when an allocation names an unknown community, then it answers 422 naming the field, and no log line carries SQL or its values', async () => {
    const page = await admin.get('/admin/allocations');
    const res = await admin.post('/admin/allocations').type('form')
      .send({ _csrf: csrfOf(page.text), communityId: 'no-such-community-9f3k', year: '2026', allocated: '123.45' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('请从列表中选择社区');
    expect(await app.deps.db('allocations').where({ community_id: 'no-such-community-9f3k' }).first()).toBeUndefined();
    const log = lines.join('');
    expect(log).not.toContain('no-such-community-9f3k');
    expect(log).not.toMatch(/insert into|"bindings"|"parameters"|"sql"/i);
  });

  it('when a knex error is logged, then its SQL and bound values are stripped', async () => {
    const { loggableError } = await import('../../src/lib/logger.js');
    let err: unknown;
    try {
      await app.deps.db('allocations').insert({ community_id: 'secret-value-77', year: 2026, allocated_fen: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeDefined();
    const out = JSON.stringify(loggableError(err));
    expect(out).not.toContain('secret-value-77');
    expect(out).not.toMatch(/insert into/i);
    expect(out).not.toMatch(/"(sql|bindings|parameters)"/);
  });
});
