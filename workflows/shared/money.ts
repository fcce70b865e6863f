/**
 * Money is an integer number of fen (分; 1 元 = 100 fen) everywhere below the presentation layer.
 * Never a float: '0.29' * 100 is 28.999999999999996. Parsing works on the digits as text, and
 * percentages go through BigInt, so every result is exact.
 *
 * The one money module: the workflows split payments with it and the pages format and parse with
 * it. It is pure (no I/O, no clock), which is why it lives under workflows/ — machines may import it.
 */

export type Lang = 'zh-CN' | 'en';

const FEN_PER_YUAN = 100;
/** 1 万 = 10,000 元 = 1,000,000 fen. */
const FEN_PER_WAN = 1_000_000;
const MAX_FEN = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * The largest amount anything may hold: 10^13 fen = ¥1000亿, far above any allocation or project,
 * and small enough that 500 line items at this bound still add up exactly (5·10^15 < 2^53).
 */
export const MAX_AMOUNT_FEN = 10_000_000_000_000;
/** The largest quantity of one line item. */
export const MAX_QUANTITY = 10_000_000;

/** A non-negative integer number of fen within MAX_AMOUNT_FEN (so every sum of a few stays exact). */
export function isAmountFen(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n <= MAX_AMOUNT_FEN;
}

/**
 * quantity × unit price of each line and their sum, or null when any of them is not an amount
 * (negative, fractional, unsafe or above MAX_AMOUNT_FEN). Computed in BigInt, so a product past
 * 2^53 is seen as too large instead of being rounded into a plausible number.
 */
export function itemsTotalFen(items: readonly { quantity: unknown; unitFen: unknown }[]): number | null {
  if (!Array.isArray(items)) return null;
  let sum = 0n;
  for (const i of items) {
    if (typeof i !== 'object' || i === null || !isAmountFen(i.unitFen) || typeof i.quantity !== 'number' || !Number.isSafeInteger(i.quantity) || i.quantity < 0) return null;
    const line = BigInt(i.quantity) * BigInt(i.unitFen);
    if (line > BigInt(MAX_AMOUNT_FEN)) return null;
    sum += line;
    if (sum > BigInt(MAX_AMOUNT_FEN)) return null;
  }
  return Number(sum);
}

const INVALID_AMOUNT: Record<Lang, string> = { 'zh-CN': '金额无效', en: 'invalid amount' };

/** An integer too large to be exact (a stored quantity × price past 2^53): shown as invalid, not as a wrong number. */
function unsafeInteger(n: unknown): boolean {
  return typeof n === 'number' && Number.isInteger(n) && !Number.isSafeInteger(n);
}

/** Throws a RangeError unless `n` is a non-negative safe integer (an amount of fen). */
function assertFen(n: unknown, what = 'amount'): asserts n is number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`Invalid ${what} ${String(n)}: expected a non-negative integer number of fen`);
  }
}

function assertSignedFen(n: unknown): asserts n is number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw new RangeError(`Invalid amount ${String(n)}: expected an integer number of fen`);
  }
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+$)/g, ',');
}

/**
 * '¥12,345.67' (the same in zh-CN and en). Negative amounts, e.g. a ledger release, get '-¥'. An
 * integer past 2^53 (only data stored before amounts were bounded can hold one) reads '金额无效' /
 * 'invalid amount', so a page shows it instead of failing; a fraction of a fen is a bug and throws.
 */
export function formatYuan(fen: number, opts: { lang: Lang } = { lang: 'zh-CN' }): string {
  if (unsafeInteger(fen)) return INVALID_AMOUNT[opts.lang] ?? INVALID_AMOUNT['zh-CN'];
  assertSignedFen(fen);
  const abs = Math.abs(fen);
  const yuan = Math.floor(abs / FEN_PER_YUAN);
  const cents = abs % FEN_PER_YUAN;
  return `${fen < 0 ? '-' : ''}¥${groupThousands(String(yuan))}.${String(cents).padStart(2, '0')}`;
}

/** Drops '.00' / a trailing '0' from the decimals: '12.50' → '12.5', '2.00' → '2'. */
function trimDecimals(text: string): string {
  return text.replace(/\.?0+$/, '');
}

/**
 * Compact amount for tables and dashboards. zh-CN counts from 10,000 元 up in 万, rounded half up to
 * 0.01 万 (100 元) and without trailing zeros: '¥1.23万', '¥1,105.75万', '¥2万'; below that the
 * plain amount without trailing zeros: '¥9,999.5'. en has no 万 and shows the full amount.
 */
export function formatYuanShort(fen: number, lang: Lang = 'zh-CN'): string {
  if (unsafeInteger(fen)) return INVALID_AMOUNT[lang] ?? INVALID_AMOUNT['zh-CN'];
  assertSignedFen(fen);
  if (lang === 'en') return formatYuan(fen, { lang });
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  if (abs < FEN_PER_WAN) {
    const [int = '', dec = ''] = formatYuan(abs).slice(1).split('.');
    return `${sign}¥${int}${trimDecimals(`.${dec}`)}`;
  }
  // Hundredths of a 万, rounded half up: integer arithmetic on a safe integer is exact.
  const hundredths = Math.floor((abs + FEN_PER_WAN / 200) / (FEN_PER_WAN / 100));
  const whole = Math.floor(hundredths / 100);
  const dec = String(hundredths % 100).padStart(2, '0');
  return `${sign}¥${groupThousands(String(whole))}${trimDecimals(`.${dec}`)}万`;
}

const FULL_WIDTH: Record<string, string> = { '．': '.', '，': ',', '￥': '¥', '\u3000': ' ' };

function toHalfWidth(text: string): string {
  return text.replace(/[０-９．，￥\u3000]/g, (ch) =>
    ch >= '０' && ch <= '９' ? String.fromCharCode(ch.charCodeAt(0) - 0xff10 + 0x30) : (FULL_WIDTH[ch] ?? ch),
  );
}

// Digits either plain ('12345') or grouped by exactly three ('12,345'); never '.5' or '12.'.
const AMOUNT_RE = /^(\d+|\d{1,3}(?:,\d{3})+)(?:\.(\d+))?$/;

/**
 * Amount typed by a person → fen, or null when it is not a valid amount. Accepts '12,345.67',
 * '¥12345.6', full-width '１２３', a '元' suffix, and 万: '3万', '1.5万', '1.5万元'. At most 2
 * decimals of 元 (no fraction of a fen) — so up to 6 decimals of 万. Rejects negatives, '1e3' and
 * amounts beyond Number.MAX_SAFE_INTEGER fen.
 */
export function parseYuan(text: string): number | null {
  if (typeof text !== 'string') return null;
  let s = toHalfWidth(text).trim();
  s = s.replace(/^¥\s*/, '');
  s = s.replace(/\s*元$/, '');
  let decimals = 2;
  if (s.endsWith('万')) {
    s = s.slice(0, -1).trimEnd();
    decimals = 6;
  }
  const match = AMOUNT_RE.exec(s);
  if (!match) return null;
  const int = (match[1] ?? '').replaceAll(',', '');
  const frac = match[2] ?? '';
  if (frac.length > decimals) return null;
  const fen = BigInt(int + frac.padEnd(decimals, '0'));
  return fen > MAX_FEN ? null : Number(fen);
}

/** Percentage with up to 2 decimals (e.g. 30, 2.5, 33.33) in basis points; RangeError otherwise. */
function toBasisPoints(pct: number): bigint {
  const match = typeof pct === 'number' ? /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(String(pct)) : null;
  const bp = match ? BigInt((match[1] ?? '') + (match[2] ?? '').padEnd(2, '0')) : -1n;
  if (bp < 0n || bp > 10_000n) {
    throw new RangeError(`Invalid percentage ${String(pct)}: expected 0 to 100 with at most 2 decimals`);
  }
  return bp;
}

/**
 * `pct` percent of `fen`, rounded DOWN to the fen (floor). Rounding down never pays out more than
 * was agreed; in a split the fen left over by the floors go to the last tranche (splitByPercents).
 */
export function percentOf(fen: number, pct: number): number {
  assertFen(fen);
  return Number((BigInt(fen) * toBasisPoints(pct)) / 10_000n);
}

/**
 * Splits a total into parts by percentages that must add up to exactly 100 — e.g. a payment plan of
 * advance / final / retention tranches. Every part but the last is percentOf (floor); the last gets
 * the remainder, so the parts always sum exactly to the total.
 */
export function splitByPercents(totalFen: number, pcts: readonly number[]): number[] {
  assertFen(totalFen, 'total');
  if (pcts.length === 0) throw new RangeError('splitByPercents needs at least one percentage');
  const sumBp = pcts.reduce((acc, p) => acc + toBasisPoints(p), 0n);
  if (sumBp !== 10_000n) {
    throw new RangeError(`Percentages must add up to 100, got ${Number(sumBp) / 100} (${pcts.join(' + ')})`);
  }
  const parts = pcts.slice(0, -1).map((p) => percentOf(totalFen, p));
  parts.push(totalFen - parts.reduce((a, b) => a + b, 0));
  return parts;
}
