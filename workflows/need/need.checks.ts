/**
 * The need's rule functions (Reason[]; empty = ok): the machine's guards and the refusals (409)
 * both use them, so a refusal always says why.
 */
import type { NeedEvent } from './need.events.js';
import type { NeedContext, Reason } from './need.types.js';

/** Project states a need can no longer be adopted into. */
export const CLOSED_PROJECT_STATES: readonly string[] = ['rejected', 'withdrawn', 'cancelled', 'closed'];

const due = (at: string, dueAt: string | null | undefined): Reason[] =>
  dueAt == null ? [{ code: 'NOT_ENRICHED', params: { field: 'dueAt' } }] : Date.parse(at) >= Date.parse(dueAt) ? [] : [{ code: 'NOT_YET_DUE', params: { dueAt } }];

/** Why `event` breaks the need's rules (the state aside: the chart decides that). */
export function checkNeedEvent(c: NeedContext, event: NeedEvent): Reason[] {
  switch (event.type) {
    case 'REFER':
      if (!event.deadlineAt) return [{ code: 'NOT_ENRICHED', params: { field: 'deadlineAt' } }];
      if (!event.reminderAt) return [{ code: 'NOT_ENRICHED', params: { field: 'reminderAt' } }];
      return [];
    case 'ADOPT': {
      if (!event.projectId) return [{ code: 'NOT_ENRICHED', params: { field: 'projectId' } }];
      if (event.created) return [];
      const p = event.linkedProject;
      if (p === undefined) return [{ code: 'NOT_ENRICHED', params: { field: 'linkedProject' } }];
      if (p === null) return [{ code: 'PROJECT_NOT_FOUND', params: { projectId: event.projectId } }];
      if (p.communityId !== c.communityId) return [{ code: 'PROJECT_OTHER_COMMUNITY' }];
      if (CLOSED_PROJECT_STATES.includes(p.state)) return [{ code: 'PROJECT_CLOSED', params: { state: p.state } }];
      return [];
    }
    case 'REFERRAL_REMINDER':
      return due(event.at, c.referral?.reminderAt);
    case 'REFERRAL_ESCALATION':
      return due(event.at, c.referral?.deadlineAt);
    default:
      return [];
  }
}
