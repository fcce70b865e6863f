import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';

describe('the application shell', () => {
  let a: TestApp;
  beforeAll(async () => {
    a = await createTestApp();
  });
  afterAll(async () => {
    await a.close();
  });

  it('answers /healthz when the database answers', async () => {
    const res = await a.http.get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', database: 'sqlite', driver: 'better-sqlite3' });
    expect(res.headers['x-request-id']).toBeTruthy();
  });

  it('sends strict security headers', async () => {
    const res = await a.http.get('/login');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('when the API gets malformed JSON, then 400 with a message, never a 500', async () => {
    const token = await a.token('community1@example.org');
    const res = await a.http.post('/api/v1/projects').set('authorization', `Bearer ${token}`).set('content-type', 'application/json').send('{"title": ');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
  });

  it('when an API route does not exist, then a JSON 404 in the asked language', async () => {
    const token = await a.token('community1@example.org');
    const zh = await a.http.get('/api/v1/nothing').set('authorization', `Bearer ${token}`);
    expect(zh.status).toBe(404);
    expect(zh.body.error).toEqual({ code: 'NOT_FOUND', message: '找不到该内容。' });
    const en = await a.http.get('/api/v1/nothing').set('authorization', `Bearer ${token}`).set('accept-language', 'en-GB,en;q=0.9');
    expect(en.body.error.message).toBe('Not found.');
  });

  it('when a page does not exist, then a 404 page in Chinese by default and English with ?lang=en', async () => {
    const zh = await a.http.get('/no-such-page');
    expect(zh.status).toBe(404);
    expect(zh.text).toContain('<html lang="zh-CN">');
    const en = await a.http.get('/no-such-page?lang=en');
    expect(en.text).toContain('<html lang="en">');
    expect(en.text).toContain('Not found.');
  });

  it('sends / to /public for visitors', async () => {
    const res = await a.http.get('/');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/public');
  });
});
