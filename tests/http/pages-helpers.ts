// Signing in through the real /login form (with its CSRF token) and reading forms' tokens back.
import supertest from 'supertest';
import type { TestApp } from '../support/app.js';
import { DEMO_PASSWORD } from '../support/app.js';

export type Agent = ReturnType<typeof supertest.agent>;

export function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token on the page');
  return m[1]!;
}

/** A cookie-keeping agent; signed in as `email` through the form when given. */
export async function agentFor(app: TestApp, email?: string): Promise<Agent> {
  const agent = supertest.agent(app.app);
  const login = await agent.get('/login');
  if (!email) return agent;
  const res = await agent.post('/login').type('form').send({ email, password: DEMO_PASSWORD, _csrf: csrfOf(login.text), next: '/inbox' });
  if (res.status !== 302 || res.headers.location !== '/inbox') throw new Error(`sign-in as ${email} failed: ${res.status}`);
  return agent;
}

/** Posts a form with the CSRF token of the page it sits on. */
export async function postForm(agent: Agent, pagePath: string, action: string, body: Record<string, string | string[]>) {
  const page = await agent.get(pagePath);
  return agent.post(action).type('form').send({ ...body, _csrf: csrfOf(page.text) });
}
