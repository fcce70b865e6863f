import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { agentFor, postForm } from './pages-helpers.js';

describe('renaming streets and communities', () => {
  let a: TestApp;
  beforeAll(async () => {
    a = await createTestApp();
  });
  afterAll(async () => {
    await a.close();
  });

  it('when an admin renames a community, then every page shows the new name; an empty name is refused with a field error', async () => {
    const admin = await agentFor(a, 'admin@example.org');
    const bad = await postForm(admin, '/admin/places/communities/cm-lianhua/edit', '/admin/places/communities/cm-lianhua', { nameZh: '', nameEn: 'Lotus' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('error-summary');
    expect((await a.deps.services.reference.community('cm-lianhua')).nameZh).toBe('莲花社区');
    const ok = await postForm(admin, '/admin/places/communities/cm-lianhua/edit', '/admin/places/communities/cm-lianhua', { nameZh: '莲花山社区', nameEn: 'Lianhuashan Community' });
    expect(ok.status).toBe(303);
    expect((await a.deps.services.reference.community('cm-lianhua')).nameZh).toBe('莲花山社区');
    expect((await admin.get('/admin/places')).text).toContain('莲花山社区');
    const street = await postForm(admin, '/admin/places/streets/st-gongbei/edit', '/admin/places/streets/st-gongbei', { nameZh: '拱北街道办', nameEn: 'Gongbei Sub-office' });
    expect(street.status).toBe(303);
    expect((await admin.get('/admin/places?lang=en')).text).toContain('Gongbei Sub-office');
    expect((await admin.get('/admin/places/streets/nope/edit')).status).toBe(404);
    // a project's page names its community and its street as they are named now
    const project = (await a.deps.db('projects').where({ community_id: 'cm-lianhua' }).first()) as { id: string; street_id: string };
    const page = (await (await agentFor(a, 'district@example.org')).get(`/projects/${project.id}`)).text;
    expect(page).toContain('莲花山社区');
    expect(page).toContain((await a.deps.services.reference.street(project.street_id)).nameZh);
    await expect(a.deps.services.reference.street('nope')).rejects.toMatchObject({ status: 404 });
  });

  it('when someone else tries, then 403, and without a CSRF token nothing changes', async () => {
    const c1 = await agentFor(a, 'community1@example.org');
    expect((await c1.get('/admin/places/streets/st-gongbei/edit')).status).toBe(403);
    const admin = await agentFor(a, 'admin@example.org');
    const res = await admin.post('/admin/places/streets/st-jida').type('form').send({ nameZh: '被篡改', nameEn: 'Hacked' });
    expect(res.status).toBe(403);
    expect((await a.deps.services.reference.streets()).find((s) => s.id === 'st-jida')!.nameZh).toBe('吉大街道');
  });
});
