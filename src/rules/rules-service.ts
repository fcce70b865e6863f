// Programme rules (实施规则) as versioned data per district. A project keeps the version it was
// created under (it is part of the machine's input); publishing makes a new version, never edits one.
import { z } from 'zod';
import { parseOr422 } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { parseJson, type Db, type Queryable } from '../lib/db.js';
import { DEFAULT_RULES, type ProgrammeRules } from '../../workflows/project/index.js';

const fen = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
// At most two decimals: the money module splits amounts by percentages exactly, in hundredths.
const pct = z.number().min(0).max(100).refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-9, { message: 'validation.range' });
const fraction = z.object({ num: z.number().int().min(0), den: z.number().int().min(1) }).refine((f) => f.num <= f.den, 'validation.fraction');

export const RulesSchema = z.object({
  capsFen: z.object({ goods: fen, works: fen, services: fen }),
  noticeWorkingDays: z.number().int().min(1).max(60),
  quorum: fraction,
  majority: fraction,
  procurement: z.object({
    directBelowFen: fen,
    quotationUpToFen: fen,
    minQuotes: z.object({ direct: z.number().int().min(1).max(10), quotation: z.number().int().min(1).max(20), competitive: z.number().int().min(1).max(20) }),
  }).refine((p) => p.directBelowFen <= p.quotationUpToFen, { message: 'validation.thresholdOrder', path: ['quotationUpToFen'] }),
  acceptance: z.object({
    satisfactionPct: pct,
    signatories: z.array(z.string().min(1)).min(1),
    extraSignatories: z.object({ goods: z.array(z.string()).optional(), works: z.array(z.string()).optional(), services: z.array(z.string()).optional() }),
  }),
  payment: z.object({ advancePct: pct, finalPct: pct, retentionPct: pct, warrantyMonths: z.number().int().min(0).max(120) })
    .refine((p) => p.advancePct + p.finalPct + p.retentionPct === 100, { message: 'validation.paymentPlanSum', path: ['finalPct'] }),
  reviewReminderWorkingDays: z.number().int().min(1).max(60),
  reviewEscalationWorkingDays: z.number().int().min(1).max(120),
});

export interface RulesVersion {
  districtId: string;
  version: number;
  rules: ProgrammeRules;
  publishedBy: string | null;
  /** null for the built-in defaults */
  publishedAt: string | null;
  note: string | null;
}

export function createRulesService(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;

  const toVersion = (r: Record<string, unknown>): RulesVersion => ({
    districtId: r.district_id as string, version: Number(r.version), rules: parseJson<ProgrammeRules>(r.rules),
    publishedBy: (r.published_by as string | null) ?? null, publishedAt: r.published_at as string, note: (r.note as string | null) ?? null,
  });

  /** Every version, newest first; the built-in defaults are version 1 until a district stores its own. */
  async function versions(districtId: string, q: Queryable = db): Promise<RulesVersion[]> {
    const stored = (await q('programme_rules').where({ district_id: districtId }).orderBy('version', 'desc')).map(toVersion);
    if (stored.some((v) => v.version === DEFAULT_RULES.version)) return stored;
    return [...stored, { districtId, version: DEFAULT_RULES.version, rules: { ...DEFAULT_RULES }, publishedBy: null, publishedAt: null, note: null }];
  }

  /** The district's current rules; the defaults (version 1) until a district publishes its own. */
  async function current(districtId: string, q: Queryable = db): Promise<ProgrammeRules> {
    const r = await q('programme_rules').where({ district_id: districtId }).orderBy('version', 'desc').first();
    return r ? toVersion(r).rules : { ...DEFAULT_RULES };
  }

  async function publish(districtId: string, input: unknown, userId: string | null, note?: string, q: Queryable = db): Promise<RulesVersion> {
    const parsed = parseOr422(RulesSchema, input, 'invalid rules');
    const latest = await q('programme_rules').where({ district_id: districtId }).max<{ v: number | null }[]>({ v: 'version' });
    // The defaults count as version 1, so the first published version is 2 and never collides
    // with projects that started under the defaults.
    const version = Math.max(Number(latest[0]?.v ?? 0), DEFAULT_RULES.version) + 1;
    const rules = { ...parsed, version } as ProgrammeRules;
    await q('programme_rules').insert({ district_id: districtId, version, rules: JSON.stringify(rules), published_by: userId, published_at: clock.now().toISOString(), note: note ?? null });
    return { districtId, version, rules, publishedBy: userId, publishedAt: clock.now().toISOString(), note: note ?? null };
  }

  return { versions, current, publish };
}

export type RulesService = ReturnType<typeof createRulesService>;
