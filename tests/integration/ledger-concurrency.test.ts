// Concurrent budget approvals on both databases (issue 3b): 50 projects wait in budget_approval
// against an allocation that fits exactly 10; all 50 approvals are fired at once. Exactly 10
// succeed, the other 40 get INSUFFICIENT_BUDGET, nothing is half-done and the ledger sums match.
// Under the default rules (version 3) an approved project goes to the confirmation notice
// (项目确定公示) holding its reservation, and on to procurement when the notice ends.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { STORAGE_KINDS } from '../support/db.js';
import { api, expectLedgerBalanced, goodsProject, GOOD_CHECKLIST, DELIBERATION_OK, shanghaiDay, U } from '../support/lifecycle.js';
import type { User } from '../../src/auth/users.js';
import { isAppError } from '../../src/errors.js';

const N = 50;
const FITS = 10;
const FEN = 1_000_000; // ¥10,000 each
const COMMUNITY = 'cm-lianhua';
const YEAR = 2026;

async function user(app: TestApp, email: string): Promise<User> {
  const u = await app.deps.services.users.findByEmail(email);
  if (!u) throw new Error(`no user ${email}`);
  return u;
}

/** N projects of cm-lianhua driven to budget_approval through the services (the API is tested elsewhere). */
async function projectsAwaitingBudget(app: TestApp): Promise<string[]> {
  const { projects } = app.deps.services;
  const [c1, c2, street] = await Promise.all([user(app, U.c1), user(app, U.c2), user(app, U.street)]);
  const ids: string[] = [];
  for (let i = 0; i < N; i++) {
    const p = await projects.create(c1, goodsProject({ title: `并发审批 ${i + 1}`, estimatedFen: FEN, items: [{ name: '助行器', quantity: 10, unitFen: FEN / 10 }] }));
    await projects.send(c1, p.id, { type: 'SUBMIT' });
    await projects.send(c2, p.id, { type: 'SCREEN_PASS', checklist: GOOD_CHECKLIST });
    await projects.send(c1, p.id, { type: 'RECORD_DELIBERATION', ...DELIBERATION_OK, heldOn: shanghaiDay(app) });
    ids.push(p.id);
  }
  // Every notice ends: the timer worker fires 50 NOTICE_ENDED.
  app.clock.advance(14 * 86_400_000);
  const { fired } = await app.deps.timers.runDue();
  expect(fired).toBeGreaterThanOrEqual(N);
  for (const id of ids) await projects.send(street, id, { type: 'APPROVE' });
  const states = await app.deps.db('projects').whereIn('id', ids).pluck('state');
  expect(new Set(states)).toEqual(new Set(['budget_approval']));
  // Exactly 10 approvals fit: the allocation is set to what is already used plus 10 × FEN.
  const before = (await app.deps.services.ledger.allocations({ communityId: COMMUNITY, year: YEAR }))[0]!;
  const used = before.reservedFen + before.committedFen + before.spentFen;
  await app.deps.services.ledger.setAllocation({ communityId: COMMUNITY, year: YEAR, allocatedFen: used + FITS * FEN }, app.clock.now().toISOString());
  return ids;
}

async function expectExactlyTenReserved(app: TestApp, ids: string[], winners: string[]) {
  expect(winners).toHaveLength(FITS);
  const rows = await app.deps.db('projects').whereIn('id', ids).select('id', 'state', 'approved_fen');
  const approved = rows.filter((r) => r.state === 'confirmation_notice');
  expect(approved.map((r) => r.id).sort()).toEqual([...winners].sort());
  expect(approved.every((r) => Number(r.approved_fen) === FEN)).toBe(true);
  const waiting = rows.filter((r) => r.state === 'budget_approval');
  expect(waiting).toHaveLength(N - FITS);
  expect(waiting.every((r) => r.approved_fen === null)).toBe(true);

  const a = (await expectLedgerBalanced(app)).find((x) => x.communityId === COMMUNITY && x.year === YEAR)!;
  expect(a.availableFen).toBe(0);
  expect(a.reservedFen).toBe(FITS * FEN);
  const reserves = (await app.deps.services.ledger.entries({ communityId: COMMUNITY, year: YEAR })).filter((e) => e.kind === 'reserve');
  expect(reserves).toHaveLength(FITS);
  expect(reserves.map((e) => e.projectId).sort()).toEqual([...winners].sort());
  // The losers wrote nothing: no history row, no version bump, no ledger row.
  const losers = ids.filter((id) => !winners.includes(id));
  const approvals = await app.deps.db('workflow_history').whereIn('instance_id', losers).andWhere('type', 'APPROVE_BUDGET').count<{ n: number | string }[]>({ n: '*' });
  expect(Number(approvals[0]!.n)).toBe(0);
  const versions = await app.deps.db('workflow_instances').whereIn('id', losers).pluck('version');
  const winnerVersions = await app.deps.db('workflow_instances').whereIn('id', winners).pluck('version');
  expect(new Set(versions).size).toBe(1);
  expect(winnerVersions.every((v) => Number(v) === Number(versions[0]) + 1)).toBe(true);
  expect(await app.deps.db('project_ledger').whereIn('project_id', losers).andWhere('reserved_fen', '>', 0)).toEqual([]);
}

/**
 * The winners' confirmation notices end (the timer worker fires their NOTICE_ENDED): each goes on to
 * procurement.preparing still holding its reservation; the losers wait in budget_approval and the
 * ledger moved no money.
 */
async function expectNoticeEndsIntoProcurement(app: TestApp, ids: string[], winners: string[]) {
  const pending = await app.deps.db('timers').whereIn('instance_id', winners).andWhere('status', 'pending').pluck('event');
  expect(pending.filter((e: string) => e.includes('NOTICE_ENDED'))).toHaveLength(FITS);
  app.clock.advance(14 * 86_400_000);
  const { fired } = await app.deps.timers.runDue();
  expect(fired).toBeGreaterThanOrEqual(FITS);
  const rows = await app.deps.db('projects').whereIn('id', ids).select('id', 'state', 'approved_fen');
  const preparing = rows.filter((r) => r.state === 'procurement.preparing');
  expect(preparing.map((r) => r.id).sort()).toEqual([...winners].sort());
  expect(preparing.every((r) => Number(r.approved_fen) === FEN)).toBe(true);
  expect(rows.filter((r) => r.state === 'budget_approval')).toHaveLength(N - FITS);
  const a = (await expectLedgerBalanced(app)).find((x) => x.communityId === COMMUNITY && x.year === YEAR)!;
  expect(a).toMatchObject({ availableFen: 0, reservedFen: FITS * FEN });
  const kinds = (await app.deps.services.ledger.entries({ communityId: COMMUNITY, year: YEAR })).filter((e) => winners.includes(e.projectId ?? '')).map((e) => e.kind);
  expect(kinds).toEqual(Array(FITS).fill('reserve'));
}

describe.each(STORAGE_KINDS)('concurrent budget approvals on %s', (kind) => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it(`when ${N} approvals race for an allocation that fits ${FITS}, then exactly ${FITS} succeed through the service and the rest get INSUFFICIENT_BUDGET`, async () => {
    app = await createTestApp({ kind });
    const ids = await projectsAwaitingBudget(app);
    const district = await user(app, U.district);
    const results = await Promise.allSettled(ids.map((id) => app!.deps.services.projects.send(district, id, { type: 'APPROVE_BUDGET', approvedFen: FEN })));
    const winners = ids.filter((_, i) => results[i]!.status === 'fulfilled');
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(errors).toHaveLength(N - FITS);
    for (const e of errors) {
      expect(isAppError(e), String(e)).toBe(true);
      if (!isAppError(e)) continue;
      expect({ code: e.code, status: e.status, reason: e.reasons[0]?.code }).toEqual({ code: 'INSUFFICIENT_BUDGET', status: 409, reason: 'INSUFFICIENT_BUDGET' });
      expect(e.reasons[0]!.params).toMatchObject({ neededFen: FEN, year: YEAR });
    }
    await expectExactlyTenReserved(app, ids, winners);
    await expectNoticeEndsIntoProcurement(app, ids, winners);
  }, 120_000);

  it(`when ${N} approvals race through the HTTP API, then exactly ${FITS} answer 200 and the rest 409 INSUFFICIENT_BUDGET with a reason`, async () => {
    app = await createTestApp({ kind });
    const ids = await projectsAwaitingBudget(app);
    const a = api(app);
    await app.token(U.district);
    const responses = await Promise.all(ids.map((id) => a.send(U.district, id, 'APPROVE_BUDGET', { approvedFen: FEN })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(FITS);
    expect(statuses.filter((s) => s === 409)).toHaveLength(N - FITS);
    for (const r of responses.filter((x) => x.status === 409)) {
      expect(r.body.error.code).toBe('INSUFFICIENT_BUDGET');
      expect(r.body.error.reasons[0]).toMatchObject({ code: 'INSUFFICIENT_BUDGET', params: { neededFen: FEN } });
      expect(r.body.error.reasons[0].message).not.toBe('INSUFFICIENT_BUDGET');
    }
    for (const r of responses.filter((x) => x.status === 200)) expect(r.body.project).toMatchObject({ state: 'confirmation_notice', approvedFen: FEN });
    await expectExactlyTenReserved(app, ids, ids.filter((_, i) => statuses[i] === 200));
    await expectNoticeEndsIntoProcurement(app, ids, ids.filter((_, i) => statuses[i] === 200));
    // Money freed by a cancellation is there for the next approval, and no more.
    const winner = ids[statuses.indexOf(200)]!;
    const loser = ids[statuses.indexOf(409)]!;
    await a.ok(U.district, winner, 'CANCEL', { reason: '项目取消，释放资金' });
    const again = await Promise.all(ids.filter((_, i) => statuses[i] === 409).slice(0, 5).map((id) => a.send(U.district, id, 'APPROVE_BUDGET', { approvedFen: FEN })));
    expect(again.filter((r) => r.status === 200)).toHaveLength(1);
    expect(loser).toBeDefined();
    const after = (await expectLedgerBalanced(app)).find((x) => x.communityId === COMMUNITY && x.year === YEAR)!;
    expect(after).toMatchObject({ availableFen: 0, reservedFen: FITS * FEN });
  }, 120_000);
});
