// Issue 12 item 3, the rest of "light pages": static files carry their content's hash in their names
// and are cached for a year (the plain or a wrong name never serves a file that could go stale); a
// project page shows the latest 50 history entries and pages back (the printable project file shows
// them all); the public notices list pages too.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, goodsProject, U } from '../support/lifecycle.js';
import { agentFor } from './pages-helpers.js';
import { STATIC_DIR, buildManifest, hashedName, IMMUTABLE } from '../../src/web/assets.js';
import { helpers } from '../../src/web/views.js';
import { TIMELINE_PAGE_SIZE } from '../../src/web/project-view.js';

let app: TestApp;

beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => app?.close());

/** Handlebars writes = as &#x3D; and & as &amp; in attributes: read them as a browser does. */
const decoded = (html: string) => html.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
const sha8 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 8);

describe('static files by their content hash', () => {
  it('when any file of src/web/static is asked for by its hashed name, then it is served with a year\'s immutable cache; the plain name redirects, a wrong hash is not found', async () => {
    const files = fs.readdirSync(STATIC_DIR).filter((f) => !f.startsWith('.'));
    expect(files).toEqual(expect.arrayContaining(['app.css', 'app.js', 'print-notice.css', 'project-file.css', 'share.png']));
    for (const name of files) {
      const href = helpers.asset(name);
      expect(href).toBe(`/static/${hashedName(name, sha8(path.join(STATIC_DIR, name)))}`);
      const res = await app.http.get(href).buffer(true);
      expect(res.status, href).toBe(200);
      expect(res.headers['cache-control'], href).toBe(IMMUTABLE);
      expect(Buffer.compare(Buffer.from(res.body instanceof Buffer ? res.body : res.text ?? ''), fs.readFileSync(path.join(STATIC_DIR, name))), href).toBe(0);
      const plain = await app.http.get(`/static/${name}`);
      expect(plain.status, `/static/${name}`).toBe(302);
      expect(plain.headers.location).toBe(href);
      expect(plain.headers['cache-control']).toBe('no-cache');
      const wrong = await app.http.get(`/static/${hashedName(name, '00000000')}`);
      expect(wrong.status).toBe(404);
      expect(wrong.headers['cache-control'] ?? '').not.toContain('immutable');
    }
    expect((await app.http.get('/static/../package.json')).status).toBe(404);
    expect((await app.http.get('/static/nothing.1234abcd.css')).status).toBe(404);
  });

  it('when pages are rendered, then their stylesheets and scripts are linked by hashed name, and a changed file gets a new name', async () => {
    const html = (await app.http.get('/public')).text;
    expect(html).toContain(`<link rel="stylesheet" href="${helpers.asset('app.css')}">`);
    expect(html).toContain(`<script src="${helpers.asset('app.js')}" defer></script>`);
    expect(html).not.toMatch(/(href|src)="\/static\/[\w-]+\.(css|js)"/);
    const agent = await agentFor(app, U.c1);
    const ids = (await app.deps.db('projects').select('id')).map((r: { id: string }) => r.id);
    const file = (await agent.get(`/projects/${ids[0]}/file`)).text;
    expect(file).toContain(helpers.asset('print-notice.css'));
    expect(file).toContain(helpers.asset('project-file.css'));
    // a manifest of another folder: the hash follows the content
    const dir = fs.mkdtempSync('/tmp/wss-assets-');
    fs.writeFileSync(path.join(dir, 'x.css'), 'a{}');
    const before = buildManifest(dir).href('x.css');
    fs.writeFileSync(path.join(dir, 'x.css'), 'a{color:red}');
    expect(buildManifest(dir).href('x.css')).not.toBe(before);
    expect(() => buildManifest(dir).href('missing.css')).toThrow(/no static file/);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('the project page\'s timeline', () => {
  it('when a project has more than 50 history entries, then its page shows the latest 50 and pages back to the first; the project file shows all', async () => {
    const a = api(app);
    const p = await a.create(U.c1, goodsProject({ title: '时间线分页测试' }));
    const notes = 2 * TIMELINE_PAGE_SIZE + 10; // 111 entries with the creation
    for (let i = 1; i <= notes; i++) expect((await a.send(U.c1, p.id, 'COMMENT', { text: `备注第${i}条` })).status).toBe(200);
    const agent = await agentFor(app, U.c1);
    const comments = (html: string) => [...html.matchAll(/<blockquote class="comment">备注第(\d+)条<\/blockquote>|<dd>备注第(\d+)条<\/dd>/g)].map((m) => Number(m[1] ?? m[2]));
    const entries = (html: string) => (html.slice(html.indexOf('<ol class="timeline">')).split('</ol>')[0]!.match(/<li>/g) ?? []).length;

    const first = decoded((await agent.get(`/projects/${p.id}`)).text);
    expect(entries(first)).toBe(TIMELINE_PAGE_SIZE);
    expect(comments(first)).toEqual(Array.from({ length: 50 }, (_, i) => notes - 49 + i)); // 61…110, in time order
    expect(first).toContain('第 62–111 条，共 111 条');
    expect(first).toContain(`href="/projects/${p.id}?historyPage=2#timeline"`);
    expect(first).not.toContain('historyPage=0');

    const second = decoded((await agent.get(`/projects/${p.id}?historyPage=2`)).text);
    expect(comments(second)).toEqual(Array.from({ length: 50 }, (_, i) => notes - 99 + i)); // 11…60
    expect(second).toContain(`href="/projects/${p.id}?historyPage=3#timeline"`);
    expect(second).toContain(`href="/projects/${p.id}#timeline"`);

    const last = decoded((await agent.get(`/projects/${p.id}?historyPage=3`)).text);
    expect(entries(last)).toBe(11);
    expect(comments(last)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(last).not.toContain('historyPage=4');
    // past the end: the last page; nonsense: the first
    expect(comments((await agent.get(`/projects/${p.id}?historyPage=99`)).text)).toEqual(comments(last));
    expect(comments((await agent.get(`/projects/${p.id}?historyPage=abc`)).text)).toEqual(comments(first));
    // the language is kept in the links
    expect(decoded((await agent.get(`/projects/${p.id}?lang=en`)).text)).toContain(`href="/projects/${p.id}?historyPage=2&lang=en#timeline"`);

    // the printable project file is exempt: every entry
    const file = (await agent.get(`/projects/${p.id}/file`)).text;
    expect((file.match(/<td class="hash"[^>]*>[0-9a-f]{64}<\/td>/g) ?? []).length).toBe(notes + 1);
  }, 120_000);
});

describe('the public notices list', () => {
  it('when more projects are in notice than a page holds, then it pages, the ones ending first first, and the home page counts them all', async () => {
    const ids: string[] = [];
    const now = app.clock.now().getTime();
    const rows = Array.from({ length: 120 }, (_, i) => {
      const id = `notice-page-${String(i).padStart(3, '0')}`;
      ids.push(id);
      const at = new Date(now - (200 - i) * 60_000).toISOString();
      return { id, at };
    });
    await app.deps.db.transaction(async (trx) => {
      await trx.batchInsert('workflow_instances', rows.map((r) => ({ id: r.id, workflow: 'project', workflow_version: 1, state: 'public_notice', status: 'active', snapshot: '{}', version: 2, history_head: '0'.repeat(64), created_at: r.at, updated_at: r.at, described_version: 1 })), 50);
      await trx.batchInsert('projects', rows.map((r, i) => ({
        id: r.id, ref: `XZ-2031-${String(i).padStart(5, '0')}`, district_id: 'xz', street_id: 'st-gongbei', community_id: 'cm-lianhua', year: 2026, budget_year: 2026, type: 'goods', category: '助行', main_group: '残疾人',
        title: `分页公示 ${i}`, estimated_fen: 100_000, paid_fen: 0, state: 'public_notice', stage_entered_at: r.at, next_deadline_at: new Date(now + 86_400_000).toISOString(), public_since: r.at, rules_version: 1, created_by: 'seed', created_at: r.at, updated_at: r.at,
      })), 50);
    });
    const total = Number((await app.deps.db('projects').whereIn('state', ['public_notice', 'confirmation_notice', 'acceptance_notice']).count({ n: '*' }))[0]!.n);
    const one = decoded((await app.http.get('/public/notices')).text);
    expect((one.match(/href="\/public\/notices\/[^"]+"/g) ?? []).length).toBe(50);
    expect(one).toContain(`共 ${total} 个项目正在公示，第 1/${Math.ceil(total / 50)} 页`);
    expect(one).toContain('href="/public/notices?page=2" rel="next"');
    const last = decoded((await app.http.get(`/public/notices?page=${Math.ceil(total / 50)}&lang=en`)).text);
    expect(last).toContain('rel="prev"');
    expect(last).not.toContain('rel="next"');
    expect((await app.http.get('/public/notices?page=abc')).status).toBe(200);
    expect((await app.http.get('/public')).text).toContain(String(total));
  });
});
