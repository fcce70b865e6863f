import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatYuan, formatYuanShort, parseYuan, percentOf, splitByPercents } from '../../workflows/shared/money.js';

const fen = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

describe('an amount of fen', () => {
  it('accepts non-negative safe integers', () => {
    expect(() => percentOf(0, 50)).not.toThrow();
    expect(() => percentOf(Number.MAX_SAFE_INTEGER, 50)).not.toThrow();
  });

  it.each([-1, 0.5, Number.NaN, Infinity, Number.MAX_SAFE_INTEGER + 1, '100', null])(
    'when given %j, then it throws a RangeError',
    (bad) => expect(() => percentOf(bad as number, 50)).toThrow(RangeError),
  );
});

describe('formatYuan', () => {
  it('shows 元 with thousands separators and two decimals in both languages', () => {
    expect(formatYuan(1_234_567, { lang: 'zh-CN' })).toBe('¥12,345.67');
    expect(formatYuan(1_234_567, { lang: 'en' })).toBe('¥12,345.67');
    expect(formatYuan(0, { lang: 'en' })).toBe('¥0.00');
    expect(formatYuan(5, { lang: 'zh-CN' })).toBe('¥0.05');
    expect(formatYuan(100_000_000, { lang: 'zh-CN' })).toBe('¥1,000,000.00');
    expect(formatYuan(99_999, { lang: 'zh-CN' })).toBe('¥999.99');
  });

  it('shows a negative ledger amount with a leading minus', () => {
    expect(formatYuan(-150, { lang: 'en' })).toBe('-¥1.50');
  });

  it('refuses non-integers', () => {
    expect(() => formatYuan(12.5, { lang: 'en' })).toThrow(RangeError);
  });
});

describe('formatYuanShort', () => {
  it('when zh-CN and at least 10,000 元, then it counts in 万 without trailing zeros', () => {
    expect(formatYuanShort(1_234_500, 'zh-CN')).toBe('¥1.23万');
    expect(formatYuanShort(1_105_750_000, 'zh-CN')).toBe('¥1,105.75万');
    expect(formatYuanShort(2_000_000, 'zh-CN')).toBe('¥2万');
    expect(formatYuanShort(1_000_000, 'zh-CN')).toBe('¥1万');
    expect(formatYuanShort(1_510_000, 'zh-CN')).toBe('¥1.51万');
    expect(formatYuanShort(1_500_000, 'zh-CN')).toBe('¥1.5万');
  });

  it('when zh-CN, then 万 is rounded half up to 100 元', () => {
    expect(formatYuanShort(1_235_000, 'zh-CN')).toBe('¥1.24万'); // 12,350 元
    expect(formatYuanShort(1_234_999, 'zh-CN')).toBe('¥1.23万');
    expect(formatYuanShort(9_999_999, 'zh-CN')).toBe('¥10万');
  });

  it('when zh-CN and below 10,000 元, then the plain amount without trailing zeros', () => {
    expect(formatYuanShort(999_950, 'zh-CN')).toBe('¥9,999.5');
    expect(formatYuanShort(999_999, 'zh-CN')).toBe('¥9,999.99');
    expect(formatYuanShort(12_300, 'zh-CN')).toBe('¥123');
    expect(formatYuanShort(5, 'zh-CN')).toBe('¥0.05');
    expect(formatYuanShort(0, 'zh-CN')).toBe('¥0');
  });

  it('when en, then the full amount without 万', () => {
    expect(formatYuanShort(1_234_567, 'en')).toBe('¥12,345.67');
    expect(formatYuanShort(1_105_750_000, 'en')).toBe('¥11,057,500.00');
  });
});

describe('parseYuan', () => {
  it.each([
    ['12,345.67', 1_234_567],
    ['¥12345.6', 1_234_560],
    ['￥12345.60', 1_234_560],
    ['  ¥ 1,000  ', 100_000],
    ['１２３', 12_300],
    ['１，２３４．５６', 123_456],
    ['123元', 12_300],
    ['0.29', 29],
    ['0.07', 7],
    ['1.1', 110],
    ['3万', 3_000_000],
    ['1.5万', 1_500_000],
    ['1.5万元', 1_500_000],
    ['1.2345万', 1_234_500],
    ['0', 0],
    ['90071992547409.91', Number.MAX_SAFE_INTEGER],
  ])('when given %j, then it is %d fen', (text, expected) => {
    expect(parseYuan(text)).toBe(expected);
  });

  it.each([
    '',
    '   ',
    'abc',
    '-5',
    '−5',
    '+5',
    '12.345',
    '1.2345678万',
    '12,34',
    '1,2345',
    '.5',
    '12.',
    '1e3',
    '¥',
    '12 345',
    '万',
    '90071992547409.92',
    '0x10',
  ])('when given %j, then it is null', (text) => {
    expect(parseYuan(text)).toBeNull();
  });

  it('never multiplies floats: every n.nn parses to exactly n*100+nn fen', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 99 }), (yuan, cents) => {
        expect(parseYuan(`${yuan}.${String(cents).padStart(2, '0')}`)).toBe(yuan * 100 + cents);
      }),
    );
  });

  it('round-trips formatYuan for any amount (property)', () => {
    fc.assert(
      fc.property(fen, fc.constantFrom('zh-CN' as const, 'en' as const), (x, lang) => {
        expect(parseYuan(formatYuan(x, { lang }))).toBe(x);
      }),
    );
  });

  it('round-trips formatYuanShort when it is exact (property)', () => {
    // Short amounts below 万 are exact; from 万 up they are exact on multiples of 100 元.
    const exact = fc.oneof(fc.integer({ min: 0, max: 999_999 }), fc.integer({ min: 100, max: 1e9 }).map((n) => n * 10_000));
    fc.assert(
      fc.property(exact, (x) => {
        expect(parseYuan(formatYuanShort(x, 'zh-CN'))).toBe(x);
      }),
    );
  });
});

describe('percentOf', () => {
  it('rounds down to the fen', () => {
    expect(percentOf(100_001, 30)).toBe(30_000);
    expect(percentOf(999, 33.33)).toBe(332); // 332.9667
    expect(percentOf(1_000, 2.5)).toBe(25);
    expect(percentOf(12_345, 100)).toBe(12_345);
    expect(percentOf(12_345, 0)).toBe(0);
    expect(percentOf(Number.MAX_SAFE_INTEGER, 100)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each([-1, 100.01, 12.345, Number.NaN, Infinity])('rejects percentage %d', (pct) => {
    expect(() => percentOf(100, pct)).toThrow(RangeError);
  });
});

describe('splitByPercents', () => {
  it('gives the fen left over by rounding down to the last tranche', () => {
    expect(splitByPercents(100_001, [30, 60, 10])).toEqual([30_000, 60_000, 10_001]);
    expect(splitByPercents(1_000, [33.33, 33.33, 33.34])).toEqual([333, 333, 334]);
    expect(splitByPercents(1, [50, 50])).toEqual([0, 1]);
    expect(splitByPercents(777, [100])).toEqual([777]);
  });

  it('rejects percentages that do not add up to 100', () => {
    expect(() => splitByPercents(1_000, [30, 60])).toThrow(/add up to 100/);
    expect(() => splitByPercents(1_000, [])).toThrow(RangeError);
    expect(() => splitByPercents(-1, [100])).toThrow(RangeError);
  });

  it('always sums exactly to the total with no negative part (property)', () => {
    // Basis points that add up to 10,000, turned into percentages with up to 2 decimals.
    const pcts = fc
      .array(fc.integer({ min: 0, max: 10_000 }), { minLength: 0, maxLength: 8 })
      .map((cuts) => {
        const sorted = [...cuts].sort((a, b) => a - b);
        const edges = [0, ...sorted, 10_000];
        return edges.slice(1).map((edge, i) => (edge - (edges[i] ?? 0)) / 100);
      });
    fc.assert(
      fc.property(fen, pcts, (total, ps) => {
        const parts = splitByPercents(total, ps);
        expect(parts).toHaveLength(ps.length);
        expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
        for (const p of parts) expect(p).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});
