// Property (issue 9): random EDIT and new-project payloads — huge, negative, fractional, hex and
// exponent numbers, items that do not add up, text with NUL, zero-width characters and CR/LF —
// never get a 5xx, and every project left behind still opens (API and page).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, goodsProject, U, type Api } from '../support/lifecycle.js';
import { agentFor, type Agent } from './pages-helpers.js';

const number = fc.oneof(
  fc.constantFrom(2 ** 53, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, 1e300, -1, -100, 0, 0.5, 12.34, 1e13, 1e13 + 1, 9_999_999_999_999),
  fc.constantFrom('0x64', '0x10', '1e3', '100', '１００', ' 7 ', 'NaN', '-0'),
  fc.integer({ min: -1_000, max: 100_000_000 }),
  fc.double({ noNaN: false }),
);
const nasty = fc.constantFrom('a\u0000b', '\u200B\u200D', 'x\uD800', 'line\r\nbreak', '\uFEFF', '标题\n', '正常标题', '', ' ');
const str = fc.oneof(nasty, fc.string({ maxLength: 12 }));
const item = fc.record({ name: str, quantity: number, unitFen: number }, { requiredKeys: [] });
const items = fc.oneof(fc.array(item, { maxLength: 4 }), fc.constant([{ name: '扶手', quantity: 1_000_000_000, unitFen: 1_000_000_000 }]), number);
const fields = fc.record(
  { title: str, type: fc.constantFrom('goods', 'works', 'services', 'rocket'), category: fc.constantFrom('助行', '居家改造', '火箭'), estimatedFen: number, description: str, items, beneficiaryCount: number },
  { requiredKeys: [] },
);

describe('EDIT and create payloads (property)', () => {
  let app: TestApp;
  let a: Api;
  let page: Agent;

  beforeAll(async () => {
    app = await createTestApp();
    a = api(app);
    page = await agentFor(app, U.c1);
  });
  afterAll(async () => app?.close());

  async function opens(id: string) {
    const res = await a.get(U.c1, `/projects/${id}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await page.get(`/projects/${id}`)).status).toBe(200);
  }

  it('never answers 5xx to random EDITs, and the project always opens afterwards', async () => {
    const p = await a.create(U.c1, goodsProject());
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fields, async (f) => {
        const res = await a.send(U.c1, p.id, 'EDIT', { fields: f });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status, JSON.stringify({ f, body: res.body })).toBeLessThan(500);
        const project = await a.project(U.c1, p.id);
        expect(project.invalidAmounts).toEqual([]);
        const sum = (project.items as Array<{ quantity: number; unitFen: number }>).reduce((s, i) => s + i.quantity * i.unitFen, 0);
        expect(Number.isSafeInteger(sum) && sum === project.estimatedFen, JSON.stringify(project.items)).toBe(true);
      }),
      { numRuns: 120, seed: 20261203 },
    );
    await opens(p.id);
    expect(statuses.get(422) ?? 0).toBeGreaterThan(40);
  });

  it('never answers 5xx to random new projects, and every project created opens', async () => {
    const created: string[] = [];
    await fc.assert(
      fc.asyncProperty(fields, fc.boolean(), async (f, complete) => {
        const body = complete ? { ...goodsProject(), ...f } : f;
        const res = await a.post(U.c1, '/projects', body);
        expect(res.status, JSON.stringify({ body, answer: res.body })).toBeLessThan(500);
        if (res.status === 201) created.push(res.body.project.id as string);
      }),
      { numRuns: 120, seed: 9 },
    );
    for (const id of created) await opens(id);
  });
});
