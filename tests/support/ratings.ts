// Residents' ratings in tests (issue 14 item 4): a project brought to acceptance, sheets printed
// through the staff page, codes read back off the printed page, ratings sent through /r/<code>.
import supertest from 'supertest';
import type { TestApp } from './app.js';
import { VENDORS, api, deliverAll, goodsProject, toDelivery, U, type Project } from './lifecycle.js';
import { agentFor, csrfOf, type Agent } from '../http/pages-helpers.js';

/** A new goods project (c1's community) in `acceptance`. */
export async function projectInAcceptance(app: TestApp, title = '爬楼机评价测试'): Promise<Project> {
  const p = await api(app).create(U.c1, goodsProject({ title }));
  await toDelivery(app, p.id, VENDORS.kangfu, [{ name: '履带式爬楼机', quantity: 2, unitFen: 1_800_000 }]);
  const accepting = await deliverAll(app, p.id, VENDORS.kangfu);
  if (accepting.state !== 'acceptance') throw new Error(`not in acceptance: ${accepting.state}`);
  return accepting;
}

/** The codes printed on a sheets page, as typed (no space). */
export function codesOf(html: string): string[] {
  return [...html.matchAll(/<strong class="code">([A-Z0-9 ]+)<\/strong>/g)].map((m) => m[1]!.replace(/ /g, ''));
}

/** Prints `count` sheets as `agent` (a signed-in community user): the answer. */
export async function printSheets(agent: Agent, id: string, count: number) {
  const page = await agent.get(`/projects/${id}/ratings`);
  return agent.post(`/projects/${id}/ratings/sheets`).type('form').send({ count: String(count), _csrf: csrfOf(page.text) });
}

/** Prints sheets as c1 and returns their codes. */
export async function printCodes(app: TestApp, id: string, count: number): Promise<string[]> {
  const res = await printSheets(await agentFor(app, U.c1), id, count);
  if (res.status !== 200) throw new Error(`printing sheets → ${res.status}`);
  return codesOf(res.text);
}

/** One resident's rating through the public page, from a fresh browser (its own CSRF cookie). */
export async function rate(app: TestApp, code: string, stars: number | string, comment = '', headers: Record<string, string> = {}) {
  const agent = supertest.agent(app.app);
  const form = await agent.get(`/r/${code}`).set(headers);
  const token = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1] ?? (await agent.get('/login')).text.match(/name="_csrf" value="([^"]+)"/)![1]!;
  return agent.post(`/r/${code}`).set(headers).type('form').send({ stars: String(stars), comment, _csrf: token });
}
