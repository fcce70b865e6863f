// The forms under random input: whatever a browser (or anyone) posts, the answer is a page with a
// message (4xx) or a redirect, never a 5xx, and nothing half-written.
import fc from 'fast-check';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../workflows/project/index.js';
import { createTestApp, DEMO_PASSWORD, type TestApp } from '../support/app.js';
import { api, goodsProject, toPreparing, U } from '../support/lifecycle.js';

async function signIn(a: TestApp, email: string) {
  const agent = supertest.agent(a.app);
  const page = await agent.get('/login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
  await agent.post('/login').type('form').send({ _csrf: csrf, email, password: DEMO_PASSWORD }).expect(302);
  const inbox = await agent.get('/inbox');
  return { agent, csrf: /name="_csrf" value="([^"]+)"/.exec(inbox.text)![1]! };
}

describe('page forms under random input', () => {
  let a: TestApp;
  let project: string;
  beforeAll(async () => {
    a = await createTestApp();
    const p = await api(a).create(U.c1, goodsProject());
    await toPreparing(a, p.id);
    project = p.id;
  });
  afterAll(async () => {
    await a.close();
  });

  const text = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.constantFrom('', ' ', '0', '-1', '1e9', '12.345', '１２３', '3万', 'abc', '2026-02-30', '2026-03-05', 'on', 'true', '<b>x</b>', "' OR 1=1 --", 'vd-kangfu', 'item-1'),
  );
  const field = fc.constantFrom(
    'title', 'type', 'category', 'estimatedYuan', 'estimatedFen', 'description', 'items[0][name]', 'items[0][quantity]', 'items[0][unit]',
    'items.0.unitYuan', 'vendorIds', 'vendorIds[]', 'deadline', 'amountYuan', 'amount', 'approvedYuan', 'comment', 'reason', 'text',
    'checklist[positiveArea]', 'positiveArea', 'checklist.negativeItems.property_management', 'members', 'present', 'for', 'heldOn', 'expectedVersion', 'tranche', 'voucherNo',
    'signatories[0][role]', 'signatories[0][name]', 'satisfactionPct', 'passed', 'dueOn', 'contractNo', 'score', 'grade', 'lang',
    // the names the forms really use (payload paths)
    'approvedFen', 'amountFen', 'checklist.positiveArea', 'checklist.negativeItems.duplicate_government', 'checklist.duplicate', 'items.0.name', 'items.0.quantity',
    'items.0.unitFen', 'items.7.unitFen', 'signatories.0.role', 'signatories.0.name', 'signatories.99.name', 'fields.title', 'fields.estimatedFen',
    'fields.items.0.unitFen', 'itemId', 'quantity', 'serials', 'beneficiaryRef', 'abstain', 'against', 'defects', 'validUntil', 'minutes',
  );

  it('never answers 5xx to random event forms from any role', async () => {
    const sessions = await Promise.all([U.c1, U.c2, U.district, U.v1, U.finance].map((u) => signIn(a, u)));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...sessions.keys()),
        fc.constantFrom('INVITE', 'AWARD', 'COMMENT', 'CANCEL', ...EVENT_TYPES, 'NOPE'),
        fc.array(fc.tuple(field, text), { maxLength: 8 }),
        async (who, type, pairs) => {
          const { agent, csrf } = sessions[who]!;
          const before = await a.deps.db('workflow_instances').where({ id: project }).first('version');
          const body = new URLSearchParams([['_csrf', csrf], ...pairs]).toString();
          const res = await agent.post(`/projects/${project}/events/${type}`).type('form').send(body);
          expect(res.status, `${type} ${body} → ${res.status}`).toBeLessThan(500);
          if (res.status >= 400) {
            const after = await a.deps.db('workflow_instances').where({ id: project }).first('version');
            expect(after).toEqual(before);
          }
        },
      ),
      { numRuns: 250, seed: 11 },
    );
  });

  it('never answers 5xx to random proposal and administration forms', async () => {
    const c1 = await signIn(a, U.c1);
    const admin = await signIn(a, U.admin);
    const targets: Array<[typeof c1, string]> = [
      [c1, '/projects/new'], [c1, '/profile'], [admin, '/admin/users'], [admin, '/admin/vendors'], [admin, '/admin/allocations'],
      [admin, '/admin/rules'], [admin, '/admin/calendar'], [admin, '/admin/categories'], [admin, '/admin/places/streets'], [admin, '/admin/places/communities'],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), fc.array(fc.tuple(fc.oneof(field, fc.constantFrom('email', 'name', 'role', 'password', 'communityId', 'streetId', 'vendorId', 'types', 'status', 'year', 'allocatedYuan', 'date', 'kind', 'note', 'code', 'nameZh', 'nameEn', 'sort', 'districtId')), text), { maxLength: 8 }), async ([s, path], pairs) => {
        const body = new URLSearchParams([['_csrf', s.csrf], ...pairs]).toString();
        const res = await s.agent.post(path).type('form').send(body);
        expect(res.status, `${path} ${body} → ${res.status}`).toBeLessThan(500);
      }),
      { numRuns: 200, seed: 12 },
    );
  });
});
