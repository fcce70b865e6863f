/**
 * Payload schemas of every event of the `project` workflow (zod 4).
 *
 * - Schemas validate the payload WITHOUT `type`, `at` and `actor`; unknown keys are stripped, so a
 *   client can never smuggle in `at`, `actor` or a derived fact such as `noticeEndsAt`.
 * - Every event accepts an optional `comment`.
 * - Money is a non-negative JSON integer in fen up to MAX_AMOUNT_FEN (never a string); line items'
 *   products and sums stay within it; dates are `YYYY-MM-DD`, instants ISO 8601.
 * - Text goes through workflows/shared/text.ts: no NUL or control characters, no lone surrogates,
 *   not only invisible characters, and no line break in one-line fields (names, numbers, ids).
 * - EDIT applies the rules of a new project (project.proposal.ts); items without an estimate
 *   bring the estimate recomputed from them, and an estimate that differs from the items is refused.
 * - Messages are i18n keys (`validation.*`, listed in VALIDATION_KEYS); the web layer translates.
 */
import type { LibraryVendorFacts } from './project.rules.library.js';
import { z } from 'zod';
import { itemsTotalFen } from '../shared/money.js';
import { TEXT_KEYS, line, optionalLine, optionalParagraph, paragraph } from '../shared/text.js';
import { checkEstimate, checkGroups, fen, lineItems, proposalFields, quantity, typed } from './project.proposal.js';
import { GRADES, OBJECTION_CHANNELS, TRANCHES, type Actor } from './project.types.js';
import type { VendorRecordFacts } from './project.rules.vendors.js';
import { SATISFACTION_METHODS, type RatingsTally } from './project.ratings.js';

export const VALIDATION_KEYS = [
  'validation.required',
  'validation.string',
  'validation.number',
  'validation.integer',
  'validation.non_negative',
  'validation.positive',
  'validation.boolean',
  'validation.date',
  'validation.datetime',
  'validation.too_long',
  'validation.too_short',
  'validation.min_items',
  'validation.enum',
  'validation.range',
  'validation.votes_sum',
  'validation.present_exceeds_members',
  'validation.too_big',
  'validation.amount_too_large',
  'validation.itemsSum',
  'validation.satisfied_exceeds_surveyed',
  ...TEXT_KEYS,
] as const;
export type ValidationKey = (typeof VALIDATION_KEYS)[number];

/** Free text (reasons, notes: line breaks allowed) and one-line text (names, numbers, ids). */
const text = (max = 2000) => paragraph(max);
const optionalText = (max = 2000) => optionalParagraph(max);
const integer = () => z.number(typed('validation.number')).int('validation.integer');
const count = () => integer().nonnegative('validation.non_negative');
const date = () => z.iso.date(typed('validation.date'));
const instant = () => z.iso.datetime({ offset: true, ...typed('validation.datetime') });
const bool = () => z.boolean(typed('validation.boolean'));
const serials = () => z.array(line(200), typed('validation.required')).max(10_000, 'validation.too_long');
const ids = (min: number) =>
  z.array(line(200), typed('validation.required')).min(min, 'validation.min_items').max(200, 'validation.too_long');

// Every event may also reference uploaded documents (sha256 ids from /documents), e.g. a quote,
// a contract scan or an acceptance report, so that the history records which files went with it.
const base = {
  comment: optionalText().optional(),
  attachments: z.array(line(200), typed('validation.required')).max(20, 'validation.too_long').optional(),
};
const obj = <S extends z.ZodRawShape>(shape: S) => z.object({ ...base, ...shape });
const reasoned = () => obj({ reason: text() });

const deliberation = obj({
  members: count(),
  present: count(),
  for: count(),
  against: count(),
  abstain: count(),
  heldOn: date(),
  minutes: text(20_000),
})
  .refine((v) => v.present <= v.members, { error: 'validation.present_exceeds_members', path: ['present'] })
  .refine((v) => v.for + v.against + v.abstain === v.present, { error: 'validation.votes_sum', path: ['for'] });

export const eventSchemas = {
  EDIT: obj({
    fields: z
      .object(
        {
          title: proposalFields.title.optional(),
          type: proposalFields.type.optional(),
          category: proposalFields.category.optional(),
          estimatedFen: proposalFields.estimatedFen.optional(),
          description: proposalFields.description.optional(),
          items: proposalFields.items.optional(),
          beneficiaryCount: proposalFields.beneficiaryCount.optional(),
          budgetYear: proposalFields.budgetYear.optional(),
          mainGroup: proposalFields.mainGroup.optional(),
          otherGroups: proposalFields.otherGroups.optional(),
        },
        typed('validation.required'),
      )
      .superRefine(checkEstimate)
      .superRefine(checkGroups)
      // New items bring their estimate: the stored event says what the project then holds.
      .transform((f) => (f.items !== undefined && f.estimatedFen === undefined ? { ...f, estimatedFen: itemsTotalFen(f.items) ?? undefined } : f)),
  }),
  SUBMIT: obj({}),
  WITHDRAW: reasoned(),
  // The positive area and a no for each negative item of the rules version (project.rules.ts
  // checklistReasons checks them against the lists); the old three yes/no answers are refused.
  SCREEN_PASS: obj({
    checklist: z.object(
      {
        positiveArea: line(50),
        negativeItems: z.record(line(50), bool(), typed('validation.required')),
        duplicate: bool(),
      },
      typed('validation.required'),
    ),
  }),
  RETURN: reasoned(),
  REJECT: reasoned(),
  RECORD_DELIBERATION: deliberation,
  // A resident's objection; staff record one that came on paper, by phone or in person (receivedVia).
  OBJECT: obj({ text: text(5000), contact: optionalLine(200).optional(), receivedVia: z.enum(OBJECTION_CHANNELS, typed('validation.enum')).optional() }),
  NOTICE_ENDED: obj({}),
  UPHOLD_OBJECTION: obj({ response: text(5000) }),
  DISMISS_OBJECTIONS: obj({ response: text(5000) }),
  APPROVE: obj({}),
  REVIEW_REMINDER: obj({}),
  REVIEW_ESCALATION: obj({}),
  APPROVE_BUDGET: obj({ approvedFen: fen() }),
  INVITE: obj({ vendorIds: ids(1), deadline: instant() }),
  SUBMIT_QUOTE: obj({ amountFen: fen(), items: lineItems(0).optional(), validUntil: date() }),
  WITHDRAW_QUOTE: obj({}),
  QUOTE_DEADLINE_PASSED: obj({}),
  AWARD: obj({ vendorId: line(200), amountFen: fen(), justification: text(5000) }),
  DECLARE_FAILED: reasoned(),
  SIGN_CONTRACT: obj({ contractNo: line(100), items: lineItems(1), amountFen: fen(), dueOn: date() }),
  CONFIRM_CONTRACT: obj({}),
  RECORD_DELIVERY: obj({
    itemId: line(50),
    quantity: quantity(),
    serials: serials().optional(),
    beneficiaryRef: optionalLine(200).optional(),
    evidence: ids(1),
  }),
  // Receipt and refusal name a quantity (and, for goods with serial numbers, which ones): the
  // rest of the item stays as it is (project.rules.delivery.ts).
  CONFIRM_RECEIPT: obj({ itemId: line(50), quantity: quantity(), serials: serials().optional() }),
  DISPUTE_DELIVERY: obj({ itemId: line(50), quantity: quantity(), serials: serials().optional(), reason: text() }),
  RECORD_PAYMENT: obj({
    tranche: z.enum(TRANCHES, typed('validation.enum')),
    amountFen: fen(),
    voucherNo: line(100),
  }),
  REQUEST_ACCEPTANCE: obj({}),
  DELIVERY_OVERDUE: obj({}),
  // Satisfaction (project.ratings.ts): the residents' ratings (`satisfactionMethod: 'ratings'`, the
  // server adds the tally), a paper survey's `satisfied` of `surveyed`, or (as every history written
  // before) a percentage entered as it is. For a method, `enrich` derives `satisfactionPct`.
  RECORD_ACCEPTANCE: obj({
    passed: bool(),
    satisfactionMethod: z.enum(SATISFACTION_METHODS, typed('validation.enum')).optional(),
    satisfactionPct: z.number(typed('validation.number')).min(0, 'validation.range').max(100, 'validation.range').optional(),
    satisfied: count().max(1_000_000, 'validation.too_big').optional(),
    surveyed: count().min(1, 'validation.positive').max(1_000_000, 'validation.too_big').optional(),
    signatories: z.array(z.object({ role: line(50), name: line(100) }), typed('validation.required')).max(50, 'validation.too_long'),
    defects: optionalText(10_000).optional(),
  }).superRefine((v, ctx) => {
    const need = (path: string) => ctx.addIssue({ code: 'custom', path: [path], message: 'validation.required' });
    if (v.satisfactionMethod === undefined && v.satisfactionPct === undefined) need('satisfactionPct');
    if (v.satisfactionMethod === 'paper') {
      if (v.surveyed === undefined) need('surveyed');
      if (v.satisfied === undefined) need('satisfied');
      else if (v.surveyed !== undefined && v.satisfied > v.surveyed) ctx.addIssue({ code: 'custom', path: ['satisfied'], message: 'validation.satisfied_exceeds_surveyed' });
    }
  }),
  RECTIFIED: obj({ evidence: ids(1) }),
  RECORD_EVALUATION: obj({
    score: z.number(typed('validation.number')).min(0, 'validation.range').max(100, 'validation.range'),
    grade: z.enum(GRADES, typed('validation.enum')),
    notes: optionalText(10_000),
  }),
  WARRANTY_ENDED: obj({}),
  RELEASE_RETENTION: obj({ amountFen: fen(), voucherNo: line(100) }),
  COMMENT: obj({ text: text(5000) }),
  CANCEL: reasoned(),
} as const;

export type EventType = keyof typeof eventSchemas;
export const EVENT_TYPES = Object.keys(eventSchemas) as EventType[];

/** Sent only by the engine's timer worker, as the `system` actor. */
export const TIMER_EVENTS = [
  'NOTICE_ENDED',
  'QUOTE_DEADLINE_PASSED',
  'REVIEW_REMINDER',
  'REVIEW_ESCALATION',
  'DELIVERY_OVERDUE',
  'WARRANTY_ENDED',
] as const satisfies readonly EventType[];
export type TimerEventType = (typeof TIMER_EVENTS)[number];

export type EventPayload<T extends EventType> = z.output<(typeof eventSchemas)[T]>;

/** Facts `enrich` adds before the transition (see project.enrich.ts). */
export interface Enrichment {
  RECORD_DELIBERATION: { noticeEndsAt?: string; reviewReminderAt?: string; reviewEscalationAt?: string };
  APPROVE_BUDGET: { noticeEndsAt?: string };
  /** for a satisfaction method: the figure it yields, and for `ratings` the tally as it stood */
  RECORD_ACCEPTANCE: { noticeEndsAt?: string; satisfactionPct: number; ratings?: RatingsTally };
  NOTICE_ENDED: { reviewReminderAt?: string; reviewEscalationAt?: string };
  DISMISS_OBJECTIONS: { reviewReminderAt?: string; reviewEscalationAt?: string };
  CONFIRM_CONTRACT: { dueAt?: string };
  RECORD_EVALUATION: { warrantyEndsAt?: string };
  /** the records of the vendors named, as they stood when the event was sent (eligibility) */
  INVITE: { vendorRecords?: Record<string, VendorRecordFacts>; library?: LibraryVendorFacts };
  AWARD: { vendorRecords?: Record<string, VendorRecordFacts>; library?: LibraryVendorFacts };
}

export interface Stamp {
  /** ISO UTC, the engine's clock */
  at: string;
  actor: Actor;
}

/** An event as the machine receives it: payload + type + stamp (+ enrichment). */
export type ProjectEvent = {
  [T in EventType]: { type: T } & EventPayload<T> & Stamp & (T extends keyof Enrichment ? Enrichment[T] : unknown);
}[EventType];
export type ProjectEventOf<T extends EventType> = Extract<ProjectEvent, { type: T }>;

/** A convenience for the engine: validate `input` as the payload of `type`. */
export function parseEventPayload<T extends EventType>(type: T, input: unknown) {
  return (eventSchemas[type] as unknown as z.ZodType<EventPayload<T>>).safeParse(input);
}

export function isEventType(type: unknown): type is EventType {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(eventSchemas, type);
}

export type ValidationResult =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; fields: Record<string, string> };

/**
 * The engine's validation hook: `{type, …payload}` → the clean payload (unknown keys dropped,
 * including `type`, `at` and `actor`) or one i18n key per field path (`items.0.unitFen`).
 */
export function validate(event: { type: string } & Record<string, unknown>): ValidationResult {
  if (!isEventType(event.type)) return { ok: false, fields: { type: 'validation.enum' } };
  const result = parseEventPayload(event.type, event);
  if (result.success) return { ok: true, value: result.data as Record<string, unknown> };
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const path = issue.path.map(String).join('.') || '_';
    fields[path] ??= issue.message;
  }
  return { ok: false, fields };
}
