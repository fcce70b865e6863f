/**
 * Payload schemas of the `need` workflow's events (zod 4), as workflows/project/project.events.ts:
 * the payload without `type`, `at` and `actor`; unknown keys stripped (so derived facts such as
 * `deadlineAt` or `linkedProject` can never be smuggled in); messages are i18n keys.
 */
import { z } from 'zod';
import { line, optionalParagraph, paragraph } from '../shared/text.js';
import { NEED_SOURCES, NEED_TYPES, type Actor, type NeedSource, type NeedType } from './need.types.js';

const typed = (key: string) => ({ error: (iss: { input: unknown }) => (iss.input === undefined ? 'validation.required' : key) });
const base = { comment: optionalParagraph(2000).optional() };
const obj = <S extends z.ZodRawShape>(shape: S) => z.object({ ...base, ...shape });

/** A resident's contact (personal data): both optional, one line each. */
export const contactSchema = z
  .object({ name: line(50).optional(), phone: z.string(typed('validation.string')).trim().regex(/^[0-9+\-\s]{5,20}$/, 'validation.phone').optional() }, typed('validation.required'))
  .strict();

/** A new need as a service records it (the community, ref and rules are the server's). */
export const NewNeedSchema = z.object({
  source: z.enum(NEED_SOURCES, typed('validation.enum')),
  type: z.enum(NEED_TYPES, typed('validation.enum')),
  description: paragraph(5000),
  /** the community it belongs to: required of the public and of street/district staff, a community user's own by default */
  communityId: line(64).optional(),
  beneficiaryId: line(64).optional(),
  contact: contactSchema.optional(),
});
export type NewNeed = z.output<typeof NewNeedSchema>;

export const needEventSchemas = {
  REFER: obj({
    to: z.enum(['street', 'community'], typed('validation.enum')),
    communityId: line(64).optional(),
    note: optionalParagraph(2000).optional(),
  }).refine((v) => v.to === 'street' || v.communityId !== undefined, { error: 'validation.required', path: ['communityId'] }),
  RESOLVE: obj({ resolution: paragraph(5000) }),
  // Either an existing project (same community), or a new draft built from `newProject` (the fields
  // of POST /projects; the project service validates them, in the same transaction).
  ADOPT: obj({
    projectId: line(64).optional(),
    newProject: z.record(z.string(), z.unknown(), typed('validation.required')).optional(),
  }).refine((v) => (v.projectId === undefined) !== (v.newProject === undefined), { error: 'validation.adoptOneOf', path: ['projectId'] }),
  DECLINE: obj({ reason: paragraph(2000) }),
  INFORM_RESIDENT: obj({ note: paragraph(2000) }),
  COMMENT: obj({ text: paragraph(5000) }),
  REFERRAL_REMINDER: obj({}),
  REFERRAL_ESCALATION: obj({}),
} as const;

export type NeedEventType = keyof typeof needEventSchemas;
export const NEED_EVENT_TYPES = Object.keys(needEventSchemas) as NeedEventType[];
export const NEED_TIMER_EVENTS = ['REFERRAL_REMINDER', 'REFERRAL_ESCALATION'] as const satisfies readonly NeedEventType[];
export const NEED_VALIDATION_KEYS = ['validation.phone', 'validation.adoptOneOf', 'validation.referralCommunity', 'validation.needCommunity', 'validation.beneficiary'] as const;

export const isNeedEventType = (t: unknown): t is NeedEventType => typeof t === 'string' && Object.hasOwn(needEventSchemas, t);
export const isNeedTimerEvent = (t: string): boolean => (NEED_TIMER_EVENTS as readonly string[]).includes(t);

/** What the server knew of the project ADOPT names, in the event's transaction (null: no such project). */
export interface LinkedProjectFacts {
  communityId: string;
  state: string;
}

/** Facts `enrich` adds (need.enrich.ts). */
export interface NeedEnrichment {
  REFER: { reminderAt?: string; deadlineAt?: string };
  ADOPT: { projectId?: string; created?: boolean; linkedProject?: LinkedProjectFacts | null };
}

type Stamp = { at: string; actor: Actor };
export type NeedEventOf<T extends NeedEventType> = { type: T } & z.output<(typeof needEventSchemas)[T]> & Stamp & (T extends keyof NeedEnrichment ? NeedEnrichment[T] : unknown);
export type NeedEvent = { [T in NeedEventType]: NeedEventOf<T> }[NeedEventType];

export type ValidationResult = { ok: true; value: Record<string, unknown> } | { ok: false; fields: Record<string, string> };

function fieldsOf(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) fields[issue.path.map(String).join('.') || '_'] ??= issue.message;
  return fields;
}

/** The engine's validation hook: the clean payload, or one i18n key per field path. */
export function validate(event: { type: string } & Record<string, unknown>): ValidationResult {
  if (!isNeedEventType(event.type)) return { ok: false, fields: { type: 'validation.enum' } };
  const r = needEventSchemas[event.type].safeParse(event);
  return r.success ? { ok: true, value: r.data as Record<string, unknown> } : { ok: false, fields: fieldsOf(r.error) };
}

export function parseNewNeed(input: unknown): { ok: true; value: NewNeed } | { ok: false; fields: Record<string, string> } {
  const r = NewNeedSchema.safeParse(input);
  return r.success ? { ok: true, value: r.data } : { ok: false, fields: fieldsOf(r.error) };
}

export type { NeedSource, NeedType };
