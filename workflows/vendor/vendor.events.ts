// Payloads of the `vendor` workflow's events (zod): SUSPEND and REINSTATE take a required reason
// and an optional comment; unknown fields are dropped. Messages are i18n keys.
import { z } from 'zod';
import type { ValidationResult } from '../../src/engine/types.js';
import { optionalParagraph, paragraph } from '../shared/text.js';
import { VENDOR_EVENT_TYPES, type VendorEventType } from './vendor.types.js';

const reasoned = z.object({ reason: paragraph(1000), comment: optionalParagraph(2000).optional() });

export const VENDOR_EVENT_SCHEMAS: Record<VendorEventType, typeof reasoned> = { SUSPEND: reasoned, REINSTATE: reasoned };

export const isVendorEventType = (t: string): t is VendorEventType => (VENDOR_EVENT_TYPES as readonly string[]).includes(t);

export function validate(event: { type: string } & Record<string, unknown>): ValidationResult {
  if (!isVendorEventType(event.type)) return { ok: false, fields: { type: 'validation.enum' } };
  const result = VENDOR_EVENT_SCHEMAS[event.type].safeParse(event);
  if (result.success) return { ok: true, value: result.data as Record<string, unknown> };
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) fields[issue.path.map(String).join('.') || '_'] ??= issue.message;
  return { ok: false, fields };
}
