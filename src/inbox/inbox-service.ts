// "My inbox": the projects waiting for this user, oldest stage first, and the needs waiting for
// them (a section of its own, paged on its own; the navigation count counts both). Whom a project waits for is
// the workflow's own description (workflows/project/project.describe.ts), written by the engine into
// `workflow_waits` in every transition's transaction; this service only reads it, with the scopes
// the workflow gives the user (`scopesOf`). No state names here, no snapshot loads.
import type { Clock } from '../lib/clock.js';
import type { Db } from '../lib/db.js';
import type { User } from '../auth/users.js';
import { scopesOf } from '../../workflows/project/index.js';
import { countWaiting, listWaiting, waitingTasks, type Party, type ProjectRow } from '../projects/project-repo.js';
import type { ReferenceService } from '../reference/reference.js';
import type { Lookups } from '../web/labels.js';
import { countNeedsWaiting, needsWaitingFor, type NeedRow } from '../needs/need-repo.js';

export interface InboxTask {
  project: ProjectRow;
  /** the events this user may send now (COMMENT, CANCEL and OBJECT are rights, never tasks) */
  events: string[];
  daysInStage: number;
  overdue: boolean;
}

export const INBOX_PAGE_SIZE = 50;

/** A need waiting for this user (workflow_waits rows of the `need` workflow): no personal data. */
export interface InboxNeed {
  need: NeedRow;
  events: string[];
  since: string;
  overdue: boolean;
}
const DAY_MS = 86_400_000;

export interface InboxPage {
  tasks: InboxTask[];
  total: number;
  /** how many of all `total` are past their deadline */
  overdue: number;
  page: number;
  pageSize: number;
  /** the needs waiting for this user, paged on their own (`needsPage`), with the true count and the overdue ones */
  needs: { rows: InboxNeed[]; total: number; overdue: number; page: number; pageSize: number };
  /** Admins act on no project: their inbox lists what the system needs from them. */
  admin?: { deadLetters: number; unknownYears: number[] };
  ref: Lookups;
}

/** The user as a party of the read model. */
export function partyOf(user: User): Party {
  const scopes = scopesOf({
    role: user.role, communityId: user.communityId ?? undefined, streetId: user.streetId ?? undefined,
    vendorId: user.vendorId ?? undefined, districtId: user.districtId ?? undefined,
  });
  return { role: user.role, scopes, userId: user.id };
}

export function createInboxService(deps: {
  db: Db; clock: Clock; reference: ReferenceService; attention: () => Promise<{ deadLetters: number; unknownYears: number[] }>;
}) {
  const { db, clock } = deps;

  async function tasks(user: User, page: number): Promise<{ tasks: InboxTask[]; total: number; overdue: number }> {
    const party = partyOf(user);
    const { rows, total } = await listWaiting(db, party, { page, pageSize: INBOX_PAGE_SIZE });
    const now = clock.now().getTime();
    return {
      total,
      overdue: await countWaiting(db, party, clock.now().toISOString()),
      tasks: rows.map(({ tasks: events, ...project }) => ({
        project,
        events,
        daysInStage: Math.max(0, Math.floor((now - Date.parse(project.stageEnteredAt)) / DAY_MS)),
        overdue: project.nextDeadlineAt !== null && Date.parse(project.nextDeadlineAt) < now,
      })),
    };
  }

  /** The needs' part of the inbox: the engine's `workflow_waits` rows of the need workflow for this user's scopes. */
  async function needTasks(user: User, page: number): Promise<InboxPage['needs']> {
    const party = partyOf(user);
    const now = clock.now();
    const { rows, total } = await needsWaitingFor(db, party.role, party.scopes, { page, pageSize: INBOX_PAGE_SIZE });
    return {
      total, page, pageSize: INBOX_PAGE_SIZE,
      overdue: await countNeedsWaiting(db, party.role, party.scopes, now.toISOString()),
      rows: rows.map(({ tasks: events, since, ...need }) => ({ need, events, since, overdue: need.deadline !== null && Date.parse(need.deadline) < now.getTime() })),
    };
  }

  async function lookups(): Promise<Lookups> {
    const [streets, communities, categories, vendors] = await Promise.all([
      deps.reference.streets(), deps.reference.communities(), deps.reference.categories(db, { all: true }), deps.reference.vendors(),
    ]);
    return { streets, communities, categories, vendors: vendors.map((v) => ({ id: v.id, name: v.name })) };
  }

  return {
    async page(user: User, page = 1, needsPage = 1): Promise<InboxPage> {
      const base = { page, pageSize: INBOX_PAGE_SIZE, ref: await lookups() };
      const noNeeds = { rows: [], total: 0, overdue: 0, page: 1, pageSize: INBOX_PAGE_SIZE };
      if (user.role === 'admin') return { ...base, tasks: [], total: 0, overdue: 0, needs: noNeeds, admin: await deps.attention() };
      return { ...base, ...(await tasks(user, page)), needs: await needTasks(user, needsPage) };
    },
    /** The events each of these projects waits for from this user: one query. */
    tasksOf(user: User, ids: string[]): Promise<Map<string, string[]>> {
      return waitingTasks(db, partyOf(user), ids);
    },
    /** The number shown next to "My inbox" in the navigation: one query. */
    async count(user: User): Promise<number> {
      if (user.role === 'admin') {
        const a = await deps.attention();
        return (a.deadLetters > 0 ? 1 : 0) + a.unknownYears.length;
      }
      // projects and needs alike (the rows both sections of the inbox list), in one query: a need's
      // wait names no excluded user, and instance ids are unique across workflows
      const party = partyOf(user);
      const [{ n }] = (await db('workflow_waits')
        .whereIn('workflow', ['project', 'need'])
        .where('role', party.role)
        .whereIn('scope', party.scopes.length ? party.scopes : ['-'])
        .andWhere((w) => w.whereNull('excluded_user_id').orWhereNot('excluded_user_id', party.userId))
        .countDistinct({ n: 'instance_id' })) as [{ n: number | string }];
      return Number(n);
    },
  };
}

export type InboxService = ReturnType<typeof createInboxService>;
