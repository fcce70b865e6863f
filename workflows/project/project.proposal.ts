/**
 * A proposal's facts — title, type, category, estimate, description, items, beneficiaries — and
 * their rules, in one place: creating a project (src/projects/project-service.ts NewProjectSchema)
 * and EDIT (project.events.ts) apply the same schemas, and the version 2 guards of EDIT and SUBMIT
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
};

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
