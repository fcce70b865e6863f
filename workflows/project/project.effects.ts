/**
 * Effects the machine `emit()`s. The engine hands each to its effect handler inside the same
 * database transaction as the new snapshot (ARCHITECTURE §3 step 8). Plain JSON, no undefined.
 */
import type { ProjectEvent } from './project.events.js';
import type { ProjectContext, Role, Tranche } from './project.types.js';

export const NOTIFY_TEMPLATES = [
  'task_assigned',
  'returned',
  'approved',
  'rejected',
  'invited_to_quote',
  'awarded',
  'overdue',
  'review_reminder',
  'escalation',
  'objection_received',
] as const;
export type NotifyTemplate = (typeof NOTIFY_TEMPLATES)[number];

export interface Recipient {
  role: Role;
  communityId?: string;
  streetId?: string;
  vendorIds?: string[];
}

export interface NotifyData {
  projectId: string;
  ref: string;
  title: string;
  /** the event that caused the e-mail */
  event: string;
  reason?: string;
}

export type ProjectEmitted =
  /** APPROVE_BUDGET: reserve the approved amount from the community's allocation of `year` */
  | { type: 'ledger.reserve'; fen: number }
  /** CONFIRM_CONTRACT: commit the contract amount, release reservedFen − contractFen */
  | { type: 'ledger.commit'; contractFen: number; reservedFen: number }
  /** RECORD_PAYMENT / RELEASE_RETENTION: spend committed money */
  | { type: 'ledger.spend'; fen: number; tranche: Tranche }
  /** CANCEL: release whatever is still reserved or committed (idempotent; may be nothing) */
  | { type: 'ledger.release' }
  | { type: 'notify'; template: NotifyTemplate; to: Recipient; data: NotifyData };

/** Who an e-mail goes to; the last three are whoever the rules version names (`rules.parties`). */
export type Audience = 'community' | 'street' | 'district' | 'finance' | 'invitedVendors' | 'awardedVendor' | 'purchaser' | 'budgetApprover' | 'payer';

export function recipient(c: ProjectContext, audience: Audience): Recipient {
  // rules stored before the parties were data: the community bought, the district approved and paid
  const parties = c.rules.parties ?? { purchaser: 'community', budgetApprover: 'district', payer: 'district' };
  switch (audience) {
    case 'purchaser':
      return recipient(c, parties.purchaser);
    case 'budgetApprover':
      return recipient(c, parties.budgetApprover);
    case 'payer':
      return parties.payer === 'street' ? { role: 'finance', streetId: c.streetId } : { role: 'finance' };
    case 'community':
      return { role: 'community', communityId: c.communityId };
    case 'street':
      return { role: 'street', streetId: c.streetId };
    case 'district':
      return { role: 'district' };
    case 'finance':
      return { role: 'finance' };
    case 'invitedVendors':
      return { role: 'vendor', vendorIds: [...(c.procurement?.invitations ?? [])] };
    case 'awardedVendor':
      return { role: 'vendor', vendorIds: c.award === null ? [] : [c.award.vendorId] };
  }
}

export function notification(
  c: ProjectContext,
  event: ProjectEvent,
  template: NotifyTemplate,
  audience: Audience,
): Extract<ProjectEmitted, { type: 'notify' }> {
  const data: NotifyData = { projectId: c.id, ref: c.ref, title: c.title, event: event.type };
  if ('reason' in event && typeof event.reason === 'string') data.reason = event.reason;
  return { type: 'notify', template, to: recipient(c, audience), data };
}
