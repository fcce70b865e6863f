// The `vendor` workflow's types: its input, context, events and actor.
import type { Actor as EngineActor } from '../../src/engine/types.js';

export const VENDOR_STATUSES = ['active', 'suspended'] as const;
export type VendorStatus = (typeof VENDOR_STATUSES)[number];

export const VENDOR_EVENT_TYPES = ['SUSPEND', 'REINSTATE'] as const;
export type VendorEventType = (typeof VENDOR_EVENT_TYPES)[number];

export type Actor = EngineActor & { districtId?: string | null };

/** `status`: what vendors.status held when the instance was created (older data); default active. */
export interface VendorInput {
  vendorId: string;
  status?: VendorStatus;
}

export interface VendorContext {
  vendorId: string;
  startedAs: VendorStatus;
  /** how many status changes the history holds */
  changes: number;
  /** the latest change */
  last: { type: VendorEventType; reason: string; at: string; actorId: string } | null;
}

export type VendorEvent = { type: VendorEventType; reason: string; comment?: string; at: string; actor: Actor };

export interface Reason {
  code: string;
  params?: Record<string, unknown>;
}
