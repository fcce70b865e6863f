/**
 * A proposal's facts — title, type, category (the kind of help), estimate, description, items,
 * beneficiaries, budget year, beneficiary groups — and their rules, in one place: creating a
 * project (src/projects/project-service.ts NewProjectSchema) and EDIT (project.events.ts) apply the
 * same schemas, and the version 2 guards of EDIT and SUBMIT
 * the same amount rule (project.checks.ts).
 *
 * Amounts are JSON integers of fen (a string such as "100" is refused: pages convert what people
 * type with `parseYuan` before this), bounded by MAX_AMOUNT_FEN line by line and in sum, and the
 * estimate equals the sum of quantity × unit price.
 */
import { z } from 'zod';
import { isAmountFen, itemsTotalFen, MAX_AMOUNT_FEN, MAX_QUANTITY } from '../shared/money.js';
import { line, paragraph } from '../shared/text.js';
import { PROJECT_TYPES, type Reason } from './project.types.js';

/** "missing" reads `validation.required`; any other failure of the base type reads `key`. */
export const typed = (key: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'validation.required' : key),
});

const integer = () => z.number(typed('validation.number')).int('validation.integer');
/** An amount of fen: a JSON integer from 0 to MAX_AMOUNT_FEN. */
export const fen = () => integer().nonnegative('validation.non_negative').max(MAX_AMOUNT_FEN, 'validation.amount_too_large');
export const quantity = () => integer().positive('validation.positive').max(MAX_QUANTITY, 'validation.too_big');

/** One line: the product is checked exactly (BigInt), so no product past 2^53 is ever rounded into range. */
export const lineItem = z
  .object({ name: line(200), quantity: quantity(), unitFen: fen() })
  .superRefine((i, ctx) => {
    if (itemsTotalFen([i]) === null && isAmountFen(i.unitFen)) ctx.addIssue({ code: 'custom', path: ['unitFen'], message: 'validation.amount_too_large' });
  });

/** Lines whose sum is an amount too. */
export const lineItems = (min: number, max = 500) =>
  z
    .array(lineItem, typed('validation.required'))
    .min(min, 'validation.min_items')
    .max(max, 'validation.too_long')
    .superRefine((items, ctx) => {
      const each = items.every((i) => itemsTotalFen([i]) !== null);
      if (each && itemsTotalFen(items) === null) ctx.addIssue({ code: 'custom', message: 'validation.amount_too_large' });
    });

/** The fields of a proposal with the rules creating a project applies; EDIT takes each as optional. */
export const proposalFields = {
  title: line(200),
  type: z.enum(PROJECT_TYPES, typed('validation.enum')),
  category: line(16),
  estimatedFen: fen().positive('validation.positive'),
  description: paragraph(20_000),
  items: lineItems(1, 200),
  beneficiaryCount: integer().nonnegative('validation.non_negative').max(1_000_000, 'validation.too_big').nullable(),
  /** the budget year it is for (allowedBudgetYears says which the rules allow) */
  budgetYear: integer().min(2000, 'validation.budgetYear').max(2100, 'validation.budgetYear'),
  /** the main beneficiary group's code (受益群体; reference data, checked by the service) */
  mainGroup: line(16),
  /** other groups it serves: codes, no duplicates (and not the main one: checkGroups) */
  otherGroups: z
    .array(line(16), typed('validation.required'))
    .max(20, 'validation.too_long')
    .superRefine((list, ctx) => {
      if (new Set(list).size !== list.length) ctx.addIssue({ code: 'custom', message: 'validation.duplicateGroup' });
    }),
};

/** The other groups do not repeat the main group when both are given (an issue on `otherGroups` otherwise). */
export function checkGroups(p: { mainGroup?: string | undefined; otherGroups?: readonly string[] | undefined }, ctx: z.RefinementCtx): void {
  if (typeof p.mainGroup !== 'string' || !Array.isArray(p.otherGroups)) return;
  if (p.otherGroups.includes(p.mainGroup)) ctx.addIssue({ code: 'custom', path: ['otherGroups'], message: 'validation.duplicateGroup' });
}

/**
 * The budget years a project created in `createdYear` may name: that year up to
 * `budgetYearsAhead` years after it (rules versions before the budget year had none: that year only).
 */
export function allowedBudgetYears(createdYear: number, rules: { budgetYearsAhead?: number | undefined }): number[] {
  const ahead = Math.max(0, Math.min(5, Math.trunc(rules.budgetYearsAhead ?? 0)));
  return Array.from({ length: ahead + 1 }, (_, i) => createdYear + i);
}

/** The estimate equals the items' sum when both are given (an issue on `estimatedFen` otherwise). */
export function checkEstimate(p: { estimatedFen?: number | undefined; items?: ReadonlyArray<{ quantity: number; unitFen: number }> | undefined }, ctx: z.RefinementCtx): void {
  if (typeof p.estimatedFen !== 'number' || !Array.isArray(p.items)) return;
  const total = itemsTotalFen(p.items);
  if (total !== null && total !== p.estimatedFen) ctx.addIssue({ code: 'custom', path: ['estimatedFen'], message: 'validation.itemsSum' });
}

/**
 * The amount rule on what a project holds (or would hold after an EDIT): every line and the sum
 * are amounts (AMOUNT_INVALID otherwise — only a version 1 history can hold such values) and the
 * estimate equals the sum (ESTIMATE_NOT_ITEMS_SUM). No items: NO_ITEMS is SUBMIT's business.
 */
export function proposalAmountReasons(p: { estimatedFen: unknown; items: ReadonlyArray<{ quantity: unknown; unitFen: unknown }> }): Reason[] {
  const total = itemsTotalFen(p.items);
  if (total === null || !isAmountFen(p.estimatedFen)) return [{ code: 'AMOUNT_INVALID' }];
  if (p.items.length === 0 || total === p.estimatedFen) return [];
  return [{ code: 'ESTIMATE_NOT_ITEMS_SUM', params: { sumFen: total, estimatedFen: p.estimatedFen } }];
}
