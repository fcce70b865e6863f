/**
 * Rule functions for the contract, delivery and payment part of the lifecycle
 * (re-exported from project.rules.ts; split only to keep files short).
 */
import { planFor, type ProgrammeRules } from './project.rules.js';
import { shanghaiDate } from './project.dates.js';
import { splitByPercents } from '../shared/money.js';
import type { Contract, ContractItem, LineItem, ProjectType, Reason, Tranche } from './project.types.js';

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

/** Delivered and neither confirmed nor refused yet: what a receipt or a refusal may name. */
export function pendingQty(i: ContractItem): number {
  return i.deliveredQty - i.confirmedQty;
}

/** Serial numbers delivered for the item and neither confirmed nor refused (a multiset: a refused serial may come back). */
export function openSerials(i: ContractItem): string[] {
  const left = new Map<string, number>();
  for (const d of i.deliveries) for (const s of d.serials) left.set(s, (left.get(s) ?? 0) + 1);
  for (const s of [...i.confirmedSerials, ...i.returnedSerials]) left.set(s, (left.get(s) ?? 0) - 1);
  return [...left].flatMap(([s, n]) => Array<string>(Math.max(n, 0)).fill(s));
}

/**
 * CONFIRM_RECEIPT and DISPUTE_DELIVERY (version 3): a quantity of what was delivered and is still
 * pending, and where serial numbers are named, exactly that many of the item's open serials.
 */
export function partReasons(contract: Contract | null, p: { itemId: string; quantity: number; serials?: string[] }): Reason[] {
  const item = findItem(contract, p.itemId);
  if (isReason(item)) return [item];
  const out: Reason[] = [];
  const pending = pendingQty(item);
  if (p.quantity <= 0) out.push(reason('QUANTITY_NOT_POSITIVE'));
  if (pending === 0) out.push(reason('NOTHING_DELIVERED', { itemId: p.itemId }));
  else if (p.quantity > pending) out.push(reason('QUANTITY_ABOVE_PENDING', { itemId: p.itemId, pending, quantity: p.quantity }));
  if (p.serials !== undefined && p.serials.length > 0) {
    if (p.serials.length !== p.quantity) out.push(reason('SERIALS_COUNT_MISMATCH', { quantity: p.quantity, serials: p.serials.length }));
    const open = openSerials(item);
    for (const s of p.serials) {
      const at = open.indexOf(s);
      if (at < 0) out.push(reason('UNKNOWN_SERIAL', { serial: s }));
      else open.splice(at, 1);
    }
  }
  return out;
}

/** Version 1 and 2: a receipt confirms the whole item, once all of it was delivered. */
export function receiptReasons(contract: Contract | null, itemId: string): Reason[] {
  const item = findItem(contract, itemId);
  if (isReason(item)) return [item];
  if (item.confirmed) return [reason('ITEM_ALREADY_CONFIRMED', { itemId })];
  if (item.deliveredQty < item.quantity) {
    return [reason('ITEM_NOT_FULLY_DELIVERED', { itemId, contracted: item.quantity, delivered: item.deliveredQty })];
  }
  return [];
}

/** Version 1 and 2: a dispute rejects everything recorded for the item. */
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
export function paymentPlan(rules: ProgrammeRules, contractFen: number, type?: ProjectType): Record<Tranche, number> {
  const { advancePct, retentionPct, finalPct } = type === undefined ? rules.payment : planFor(rules, type);
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
  type?: ProjectType,
): Reason[] {
  if (contract === null) return [reason('NO_CONTRACT')];
  const out: Reason[] = [];
  if (!allowed.includes(p.tranche)) out.push(reason('WRONG_TRANCHE', { tranche: p.tranche, allowed }));
  if (p.amountFen <= 0) out.push(reason('AMOUNT_NOT_POSITIVE'));
  const plan = paymentPlan(rules, contract.amountFen, type);
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
