/**
 * What the need machine asks the world to do (`emit`), carried out by handlers with the
 * transition's transaction (src/needs/need-definition.ts):
 * - `need.notify {template, to, data}`: an e-mail to the users of a role in a scope (outbox);
 * - `need.adopt {projectId, created, newProject?}`: ADOPT — create the new project draft (through
 *   the engine, in the same transaction) when `created`; the link rows are the read model's.
 */
export type NeedNotifyTemplate = 'need_referred' | 'need_reminder' | 'need_escalation';
export type NeedRecipient = { role: 'community'; communityId: string } | { role: 'street'; streetId: string } | { role: 'district'; districtId: string };

export type NeedEmitted =
  | { type: 'need.notify'; template: NeedNotifyTemplate; to: NeedRecipient; data: { needId: string; ref: string; deadlineAt: string | null } }
  | { type: 'need.adopt'; projectId: string; created: boolean; newProject?: Record<string, unknown> };
