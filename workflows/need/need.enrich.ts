/**
 * `enrich(event, snapshot, env)`: the facts the machine cannot compute itself, put on the event
 * (and so stored in the history: replay never re-enriches). Pure given env.
 * - REFER: `reminderAt` and `deadlineAt`, in working days of the need's rules on the PRC calendar
 *   (src/lib/calendar.ts, with the district's overrides);
 * - ADOPT of a new draft: `projectId` (the id the draft is created with) and `created: true`;
 *   ADOPT of an existing project: `linkedProject` = its community and state as the server read them
 *   in the event's transaction (null: no such project).
 */
import type { NeedSnapshotLike } from './need.authz.js';
import type { LinkedProjectFacts, NeedEventType } from './need.events.js';

export interface NeedEnv {
  addWorkingDays(fromIso: string, days: number): string;
  /** ADOPT of a new draft: the id the server picked for it */
  newProjectId?: string;
  /** ADOPT of an existing project: what the server found (null: none) */
  linkedProject?: LinkedProjectFacts | null;
}

type Stamped = { type: string; at: string } & Record<string, unknown>;

/** The events `enrich` adds facts to (the engine reads the environment only for these). */
export const ENRICHED_EVENTS = ['REFER', 'ADOPT'] as const satisfies readonly NeedEventType[];

export function enrich<E extends { type: string }>(event: E, snapshot: NeedSnapshotLike, env: NeedEnv): E {
  const e = event as unknown as Stamped;
  const c = snapshot.context;
  switch (e.type) {
    case 'REFER': {
      const days = c.rules.referralWorkingDays;
      const reminderDays = Math.max(0, days - c.rules.reminderWorkingDaysBefore);
      return { ...event, reminderAt: reminderDays === 0 ? e.at : env.addWorkingDays(e.at, reminderDays), deadlineAt: env.addWorkingDays(e.at, days) };
    }
    case 'ADOPT': {
      const { projectId: _p, created: _c, linkedProject: _l, ...rest } = e;
      void _p; void _c; void _l;
      if (e.newProject !== undefined) return (env.newProjectId ? { ...rest, projectId: env.newProjectId, created: true } : rest) as unknown as E;
      return { ...rest, projectId: e.projectId, created: false, linkedProject: env.linkedProject ?? null } as unknown as E;
    }
    default:
      return event;
  }
}
