// Bad input gets a 4xx and changes nothing, never a 500: random payloads for every event type,
// sent by every role, at projects in several stages.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../workflows/project/index.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, goodsProject, toPreparing, U } from '../support/lifecycle.js';

describe('the events endpoint under random input', () => {
  let a: TestApp;
  const ids: string[] = [];
  /** (user, project, event) triples the user may send now: random payloads then reach validation and the rules. */
  const allowed: Array<{ user: string; which: number; type: string }> = [];
  const statuses = new Map<number, number>();
  beforeAll(async () => {
    a = await createTestApp();
    const x = api(a);
    ids.push((await x.create(U.c1, goodsProject())).id);
    const p = await x.create(U.c1, goodsProject({ title: '第二个项目' }));
    await toPreparing(a, p.id);
    ids.push(p.id);
    for (const [which, id] of ids.entries()) {
      for (const user of [U.c1, U.c2, U.street, U.district, U.finance, U.v1]) {
        const view = await x.project(user, id).catch(() => undefined);
        for (const e of view?.allowedEvents ?? []) if (e.allowed) allowed.push({ user, which, type: e.type });
      }
    }
  });
  afterAll(async () => {
    await a.close();
  });

  const value = fc.oneof(
    fc.string({ maxLength: 30 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
    fc.constantFrom('', '2026-03-05', '2026-13-45', '1e400', '-1', 'vd-kangfu', 'item-1', "<script>alert(1)</script>", "' OR 1=1 --"),
    fc.array(fc.oneof(fc.string({ maxLength: 10 }), fc.integer()), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), { maxKeys: 3 }),
  );
  const fieldNames = fc.constantFrom(
    'amountFen', 'approvedFen', 'vendorIds', 'deadline', 'itemId', 'quantity', 'evidence', 'checklist', 'members', 'present', 'for',
    'against', 'abstain', 'heldOn', 'minutes', 'reason', 'text', 'tranche', 'voucherNo', 'signatories', 'satisfactionPct', 'passed',
    'items', 'contractNo', 'dueOn', 'score', 'grade', 'notes', 'fields', 'comment', 'vendorId', 'justification', '__proto__', 'constructor',
  );

  it('never answers 5xx, and a refused event changes nothing', async () => {
    const users = [U.c1, U.c2, U.c3, U.street, U.district, U.finance, U.v1, U.admin, null];
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(...allowed) },
          { weight: 1, arbitrary: fc.record({ type: fc.constantFrom(...EVENT_TYPES, 'NOPE', '', 'toString'), user: fc.constantFrom(...users), which: fc.constantFrom(0, 1) }) },
        ),
        fc.dictionary(fieldNames, value, { maxKeys: 6 }),
        async ({ type, user, which }, payload) => {
          const id = ids[which]!;
          const before = await a.deps.db('workflow_instances').where({ id }).first('version', 'snapshot');
          const res = await api(a).send(user, id, type, payload);
          expect(res.status, JSON.stringify({ type, payload, user, body: res.body })).toBeLessThan(500);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status !== 200) {
            expect(res.body.error?.code).toBeTruthy();
            const after = await a.deps.db('workflow_instances').where({ id }).first('version', 'snapshot');
            expect(after).toEqual(before);
          }
        },
      ),
      { numRuns: 300, seed: 20261129 },
    );
    // Most answers must come from validation and the rules, not from the role check.
    expect((statuses.get(422) ?? 0) + (statuses.get(409) ?? 0)).toBeGreaterThan(120);
  });

  it('never answers 5xx to random new-project payloads', async () => {
    const token = await a.token(U.c1);
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('title', 'type', 'category', 'estimatedFen', 'description', 'items', 'beneficiaryCount'), value, { maxKeys: 7 }), async (body) => {
        const res = await a.http.post('/api/v1/projects').set('authorization', `Bearer ${token}`).send(body);
        expect(res.status, JSON.stringify({ body, answer: res.body })).toBeLessThan(500);
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});
