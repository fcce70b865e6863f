// "My inbox": the projects waiting for this user, oldest stage first. Whom a project waits for is
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

export interface InboxTask {
  project: ProjectRow;
  /** the events this user may send now (COMMENT, CANCEL and OBJECT are rights, never tasks) */
  events: string[];
  daysInStage: number;
  overdue: boolean;
}

export const INBOX_PAGE_SIZE = 50;
const DAY_MS = 86_400_000;

export interface InboxPage {
  tasks: InboxTask[];
  total: number;
  /** how many of all `total` are past their deadline */
  overdue: number;
  page: number;
  pageSize: number;
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

  async function lookups(): Promise<Lookups> {
    const [streets, communities, categories, vendors] = await Promise.all([
      deps.reference.streets(), deps.reference.communities(), deps.reference.categories(db, { all: true }), deps.reference.vendors(),
    ]);
    return { streets, communities, categories, vendors: vendors.map((v) => ({ id: v.id, name: v.name })) };
  }

  return {
    async page(user: User, page = 1): Promise<InboxPage> {
      const base = { page, pageSize: INBOX_PAGE_SIZE, ref: await lookups() };
      if (user.role === 'admin') return { ...base, tasks: [], total: 0, overdue: 0, admin: await deps.attention() };
      return { ...base, ...(await tasks(user, page)) };
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
      return countWaiting(db, partyOf(user));
    },
  };
}

export type InboxService = ReturnType<typeof createInboxService>;
