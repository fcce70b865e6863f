/**
 * Rule functions for the contract, delivery and payment part of the lifecycle
 * (re-exported from project.rules.ts; split only to keep files short).
 */
import type { ProgrammeRules } from './project.rules.js';
import { shanghaiDate } from './project.dates.js';
import { splitByPercents } from '../shared/money.js';
import type { Contract, ContractItem, LineItem, Reason, Tranche } from './project.types.js';

const reason = (code: string, params?: Record<string, unknown>): Reason =>
  params === undefined ? { code } : { code, params };


export function contractReasons(
  awardedFen: number | null,
  c: { amountFen: number; items: LineItem[]; dueOn: string },
  at: string,
): Reason[] {
  const out: Reason[] = [];
  const sumFen = c.items.reduce((s, i) => s + i.quantity * i.unitFen, 0);
  if (c.items.length === 0) out.push(reason('NO_ITEMS'));
  if (sumFen !== c.amountFen) out.push(reason('ITEMS_SUM_MISMATCH', { sumFen, amountFen: c.amountFen }));
  if (awardedFen === null || c.amountFen !== awardedFen) {
    out.push(reason('CONTRACT_NOT_EQUAL_AWARD', { awardedFen, amountFen: c.amountFen }));
  }
  if (c.dueOn < shanghaiDate(at)) out.push(reason('DUE_ON_IN_PAST', { dueOn: c.dueOn }));
  return out;
}

function findItem(contract: Contract | null, itemId: string): ContractItem | Reason {
  const item = contract?.items.find((i) => i.id === itemId);
  return item ?? reason('UNKNOWN_ITEM', { itemId });
}

const isReason = (x: ContractItem | Reason): x is Reason => 'code' in x;

export function deliveryReasons(contract: Contract | null, itemId: string, quantity: number): Reason[] {
  const item = findItem(contract, itemId);
  if (isReason(item)) return [item];
  const out: Reason[] = [];
  if (quantity <= 0) out.push(reason('QUANTITY_NOT_POSITIVE'));
  if (item.confirmed) out.push(reason('ITEM_ALREADY_CONFIRMED', { itemId }));
  if (item.deliveredQty + quantity > item.quantity) {
    out.push(reason('DELIVERY_ABOVE_CONTRACT', { itemId, contracted: item.quantity, delivered: item.deliveredQty }));
  }
  return out;
}

export function receiptReasons(contract: Contract | null, itemId: string): Reason[] {
  const item = findItem(contract, itemId);
  if (isReason(item)) return [item];
  if (item.confirmed) return [reason('ITEM_ALREADY_CONFIRMED', { itemId })];
  if (item.deliveredQty < item.quantity) {
    return [reason('ITEM_NOT_FULLY_DELIVERED', { itemId, contracted: item.quantity, delivered: item.deliveredQty })];
  }
  return [];
}

export function disputeReasons(contract: Contract | null, itemId: string): Reason[] {
  const item = findItem(contract, itemId);
  if (isReason(item)) return [item];
  if (item.confirmed) return [reason('ITEM_ALREADY_CONFIRMED', { itemId })];
  if (item.deliveredQty === 0) return [reason('NOTHING_DELIVERED', { itemId })];
  return [];
}

export function itemsConfirmedReasons(contract: Contract | null): Reason[] {
  if (contract === null) return [reason('NO_CONTRACT')];
  const itemIds = contract.items.filter((i) => !i.confirmed).map((i) => i.id);
  return itemIds.length > 0 ? [reason('ITEMS_NOT_CONFIRMED', { itemIds })] : [];
}

/**
 * The tranches of a contract amount. Advance and retention are rounded down to whole fen and the
 * final tranche takes the rest, so the three always sum to the contract amount.
 */
export function paymentPlan(rules: ProgrammeRules, contractFen: number): Record<Tranche, number> {
  const { advancePct, retentionPct, finalPct } = rules.payment;
  // splitByPercents gives the fen left over by rounding to the last part: here the final tranche.
  const [advance = 0, retention = 0, final = 0] = splitByPercents(contractFen, [advancePct, retentionPct, finalPct]);
  return { advance, final, retention };
}

/**
 * RECORD_PAYMENT / RELEASE_RETENTION. `allowed` are the tranches this state pays.
 * Limits: advance ≤ its plan share; final up to everything but the retention (so it also covers an
 * advance that was never paid); retention ≤ its plan share; and never above the contract.
 */
export function paymentReasons(
  rules: ProgrammeRules,
  contract: Contract | null,
  paid: Record<Tranche, number>,
  allowed: Tranche[],
  p: { tranche: Tranche; amountFen: number },
): Reason[] {
  if (contract === null) return [reason('NO_CONTRACT')];
  const out: Reason[] = [];
  if (!allowed.includes(p.tranche)) out.push(reason('WRONG_TRANCHE', { tranche: p.tranche, allowed }));
  if (p.amountFen <= 0) out.push(reason('AMOUNT_NOT_POSITIVE'));
  const plan = paymentPlan(rules, contract.amountFen);
  const paidFen = paid.advance + paid.final + paid.retention;
  if (paidFen + p.amountFen > contract.amountFen) {
    out.push(reason('PAYMENT_ABOVE_CONTRACT', { contractFen: contract.amountFen, paidFen }));
  }
  const limit =
    p.tranche === 'final' ? contract.amountFen - plan.retention - paid.advance : plan[p.tranche];
  if (paid[p.tranche] + p.amountFen > limit) {
    out.push(reason('PAYMENT_ABOVE_PLAN', { tranche: p.tranche, planFen: limit, paidFen: paid[p.tranche] }));
  }
  return out;
}

/** Payload-independent part of RELEASE_RETENTION. */
export function retentionReasons(warrantyEnded: boolean): Reason[] {
  return warrantyEnded ? [] : [reason('WARRANTY_NOT_ENDED')];
}
