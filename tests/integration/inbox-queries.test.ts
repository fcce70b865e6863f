// Real sizes: the inbox, its navigation count and the projects list issue the same number of SQL
// queries whether 5 or 5,000 projects wait, and the inbox's count and pages reach every one of them.
// The waiting projects are written straight into the read model (instance, project row, "waiting
// for" row) as the engine would leave them: what is measured here is the reading side.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/users.js';
import { INBOX_PAGE_SIZE } from '../../src/inbox/inbox-service.js';
import type { Db } from '../../src/lib/db.js';
import { STORAGE_KINDS, statementsSent } from '../support/db.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { U } from '../support/lifecycle.js';

const AT = '2026-03-02T01:00:00.000Z';

async function addWaiting(db: Db, from: number, to: number): Promise<string[]> {
  const ids: string[] = [];
  type Row = Record<string, string | number | null>;
  const instances: Row[] = [];
  const projects: Row[] = [];
  const waits: Row[] = [];
  for (let i = from; i < to; i++) {
    const id = `scale-${String(i).padStart(5, '0')}`;
    ids.push(id);
    const stageAt = new Date(Date.parse(AT) - (to - i) * 60_000).toISOString();
    instances.push({ id, workflow: 'project', workflow_version: 1, state: 'screening', status: 'active', snapshot: '{}', version: 2, history_head: '0'.repeat(64), created_at: stageAt, updated_at: stageAt, described_version: 1 });
    projects.push({
      id, ref: `XZ-2030-${String(i).padStart(5, '0')}`, district_id: 'xz', street_id: 'st-gongbei', community_id: 'cm-lianhua', year: 2030, type: 'goods', category: '助残',
      title: `规模测试 ${i}`, estimated_fen: 100_000, paid_fen: 0, state: 'screening', stage_entered_at: stageAt, rules_version: 1, created_by: 'seed', created_at: stageAt, updated_at: stageAt,
    });
    waits.push({ instance_id: id, workflow: 'project', role: 'community', scope: 'community:cm-lianhua', excluded_user_id: null, tasks: 'SCREEN_PASS,RETURN,REJECT', since: stageAt, deadline_at: null });
  }
  await db.transaction(async (trx) => {
    await trx.batchInsert('workflow_instances', instances, 200);
    await trx.batchInsert('projects', projects, 200);
    await trx.batchInsert('workflow_waits', waits, 200);
  });
  return ids;
}

describe.each(STORAGE_KINDS)('the inbox at real sizes on %s', (kind) => {
  let app: TestApp;
  let community: User;
  beforeAll(async () => {
    app = await createTestApp({ kind });
    community = (await app.deps.services.users.findByEmail(U.c2))!;
  });
  afterAll(async () => app?.close());

  it('when 5 or 5,000 projects wait, then the inbox, its count and the list take the same number of queries, and the pages reach every project', async () => {
    const { services, db } = app.deps;
    const before = await services.inbox.count(community);
    const street = (await services.users.findByEmail(U.street))!;
    const streetBefore = await services.inbox.count(street);
    const few = await addWaiting(db, 0, 5);
    const measure = async () => ({
      page: await statementsSent(db, () => services.inbox.page(community, 1)),
      count: await statementsSent(db, () => services.inbox.count(community)),
      list: await statementsSent(db, () => services.projects.list(community, { page: '1' })),
    });
    const small = await measure();
    expect(await services.inbox.count(community)).toBe(before + 5);

    const many = [...few, ...(await addWaiting(db, 5, 5_000))];
    const large = await measure();
    expect(large).toEqual(small);
    expect(small.count).toBe(1);

    // A true count, and every waiting project reachable page by page (oldest stage first).
    const total = await services.inbox.count(community);
    expect(total).toBe(before + 5_000);
    const first = await services.inbox.page(community, 1);
    expect(first.total).toBe(total);
    expect(first.tasks).toHaveLength(INBOX_PAGE_SIZE);
    const seen = new Set<string>();
    const pages = Math.ceil(total / INBOX_PAGE_SIZE);
    for (let p = 1; p <= pages; p++) for (const x of (await services.inbox.page(community, p)).tasks) seen.add(x.project.id);
    expect(seen.size).toBe(total);
    for (const id of many) expect(seen.has(id)).toBe(true);
    expect(first.tasks[0]!.events).toEqual(['SCREEN_PASS', 'RETURN', 'REJECT']);

    // Nobody else waits for them: the street's inbox is as it was.
    expect(await services.inbox.count(street)).toBe(streetBefore);
  });
});
