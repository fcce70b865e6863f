// Programme rules (实施规则) as versioned data per district. A project keeps the version it was
// created under (it is part of the machine's input); publishing makes a new version, never edits one.
// Every stored version and both built-in defaults are read through `upgradeRules`, so a version
// stored in an older shape keeps its meaning (its one notice, the community buying …).
import { z } from 'zod';
import { InvalidError, parseOr422 } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { parseJson, type Db, type Queryable } from '../lib/db.js';
import { line } from '../../workflows/shared/text.js';
import { DEFAULT_NEED_RULES } from '../../workflows/need/index.js';
import { DEFAULT_RULES, DEFAULT_VENDOR_RECORD, DOCUMENT_KINDS, NOTICE_KINDS, PROJECT_TYPES, RATINGS, RULES_V1, RULES_V2, RULE_KEYS, STAGES, upgradeRules, type ProgrammeRules } from '../../workflows/project/index.js';

const fen = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
// At most two decimals: the money module splits amounts by percentages exactly, in hundredths.
const pct = z.number().min(0).max(100).refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-9, { message: 'validation.range' });
const fraction = z.object({ num: z.number().int().min(0), den: z.number().int().min(1) }).refine((f) => f.num <= f.den, 'validation.fraction');
const workingDays = (max: number) => z.number().int().min(1).max(max);

/** A list entry's code: stable, short, lower-case (it is stored in SCREEN_PASS checklists). */
export const LIST_CODE_RE = /^[a-z][a-z0-9_]{0,39}$/;
const listEntry = z.object({
  code: z.string().trim().min(1, 'validation.required').regex(LIST_CODE_RE, 'validation.listCode'),
  zh: line(100, 'validation.required'),
  en: line(200, 'validation.required'),
});
/** An admin-editable list: codes unique (the duplicate is named). */
const entryList = (min: number) => z.array(listEntry).min(min, 'validation.min_items').max(50).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((e, i) => {
    if (seen.has(e.code)) ctx.addIssue({ code: 'custom', message: 'validation.duplicateCode', path: [i, 'code'] });
    seen.add(e.code);
  });
});

const planShape = { advancePct: pct, finalPct: pct, retentionPct: pct, warrantyMonths: z.number().int().min(0).max(120) };
const sums100 = (p: { advancePct: number; finalPct: number; retentionPct: number }) => Math.round((p.advancePct + p.finalPct + p.retentionPct) * 100) === 10_000;
const SUM = { message: 'validation.paymentPlanSum', path: ['finalPct'] };
const plan = z.object(planShape).refine(sums100, SUM);
const notice = z.object({ workingDays: workingDays(60) }).optional();
const roles = z.array(line(40, 'validation.required')).max(20);
/** What a project type requires of a vendor (project.rules.vendors.ts); an absent field is no requirement. */
const eligibilityRule = z.object({
  minYearsRegistered: z.number().int().min(0).max(50).optional(),
  violationFreeYears: z.number().int().min(0).max(50).optional(),
  minFullTimeStaff: z.number().int().min(0).max(100_000).optional(),
  preferredRating: z.enum(RATINGS).optional(),
}).optional();

export const RulesSchema = z.object({
  capsFen: z.object({ goods: fen, works: fen, services: fen }),
  /** which notices exist and how many working days each runs; an absent kind is not held */
  notices: z.object({ proposal: notice, confirmation: notice, acceptance: notice }),
  quorum: fraction,
  majority: fraction,
  screening: z.object({ positiveAreas: entryList(1), negativeItems: entryList(0) }),
  budgetYearsAhead: z.number().int().min(0).max(3),
  parties: z.object({
    purchaser: z.enum(['community', 'street']),
    budgetApprover: z.enum(['district', 'street']),
    payer: z.enum(['district', 'street']),
  }),
  procurement: z.object({
    directBelowFen: fen,
    quotationUpToFen: fen,
    minQuotes: z.object({ direct: z.number().int().min(1).max(10), quotation: z.number().int().min(1).max(20), competitive: z.number().int().min(1).max(20) }),
  }).refine((p) => p.directBelowFen <= p.quotationUpToFen, { message: 'validation.thresholdOrder', path: ['quotationUpToFen'] }),
  acceptance: z.object({
    satisfactionPct: pct,
    signatories: roles.min(1, 'validation.required'),
    extraSignatories: z.object({ goods: roles.optional(), works: roles.optional(), services: roles.optional() }),
    beneficiarySignsFor: z.object({ categories: z.array(z.string().trim().min(1).max(16)).max(100) }),
    // residents' ratings (workflows/project/project.ratings.ts); absent: the defaults
    minRatings: z.number().int().min(1).max(10_000).optional(),
    maxRatingCodes: z.number().int().min(1).max(100_000).optional(),
  }),
  payment: z.object({ ...planShape, byType: z.object({ goods: plan.optional(), works: plan.optional(), services: plan.optional() }).optional() }).refine(sums100, SUM),
  reviewReminderWorkingDays: workingDays(60),
  reviewEscalationWorkingDays: workingDays(120),
  /** expected days per stage (monitoring); absent: the defaults' */
  stageDays: z.partialRecord(z.enum(STAGES), z.object({ days: z.number().int().min(1).max(3650), working: z.boolean() })).default(DEFAULT_RULES.stageDays),
  /** the project file's required documents; absent: the defaults' */
  requiredDocuments: z.array(z.object({ kind: z.enum(DOCUMENT_KINDS), from: z.enum(STAGES), types: z.array(z.enum(PROJECT_TYPES)).max(3) })).max(100)
    .default(DEFAULT_RULES.requiredDocuments),
  /** vendor eligibility per project type; absent: the defaults' ({} requires nothing) */
  eligibility: z.object({ goods: eligibilityRule, works: eligibilityRule, services: eligibilityRule }).default(DEFAULT_RULES.eligibility ?? {}),
  /** when a vendor's performance record is flagged for the district; absent: the defaults' */
  vendorRecord: z.object({
    minAverageScore: z.number().min(0).max(100), minOnTimeShare: z.number().min(0).max(1), minContracts: z.number().int().min(0).max(100_000),
  }).default({ ...DEFAULT_VENDOR_RECORD }),
  /** referred needs: working days to resolve, reminder before the deadline; absent: the need workflow's defaults */
  needs: z.object({ referralWorkingDays: workingDays(60), reminderWorkingDaysBefore: z.number().int().min(0).max(59) })
    .refine((n) => n.reminderWorkingDaysBefore < n.referralWorkingDays, { message: 'validation.reminderBeforeDeadline', path: ['reminderWorkingDaysBefore'] })
    .default({ ...DEFAULT_NEED_RULES }),
  /** rule → where its value comes from; shown to admins ("unverified" when not verified or absent) */
  sources: z.partialRecord(z.enum(RULE_KEYS), z.object({ source: line(500, 'validation.required'), verified: z.boolean() })).optional(),
});
export type RulesInput = z.infer<typeof RulesSchema>;

export interface RulesVersion {
  districtId: string;
  version: number;
  rules: ProgrammeRules;
  publishedBy: string | null;
  /** null for the built-in defaults */
  publishedAt: string | null;
  note: string | null;
}

/** The built-in defaults, oldest first: the first defaults (version 1), the second (2) and the current ones (3, with vendor eligibility). */
export const BUILT_IN_RULES: readonly ProgrammeRules[] = [RULES_V1, RULES_V2, DEFAULT_RULES];

/** Refuses a body in the shape before notices were per kind (`noticeWorkingDays`), naming the new field. */
function refuseOldShape(input: unknown): void {
  if (input && typeof input === 'object' && 'noticeWorkingDays' in input && !('notices' in input)) {
    throw new InvalidError('rules in the old shape: noticeWorkingDays is now notices.{proposal,confirmation,acceptance}.workingDays', {
      fields: { notices: 'validation.rulesOldShape' },
    });
  }
}

export function createRulesService(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;

  const toVersion = (r: Record<string, unknown>): RulesVersion => ({
    districtId: r.district_id as string, version: Number(r.version), rules: { ...upgradeRules(parseJson<unknown>(r.rules)), version: Number(r.version) },
    publishedBy: (r.published_by as string | null) ?? null, publishedAt: r.published_at as string, note: (r.note as string | null) ?? null,
  });
  const builtIn = (districtId: string, rules: ProgrammeRules): RulesVersion =>
    ({ districtId, version: rules.version, rules: upgradeRules(structuredClone(rules)), publishedBy: null, publishedAt: null, note: null });

  /** Every version, newest first: the stored ones and the built-in defaults no stored version shadows. */
  async function versions(districtId: string, q: Queryable = db): Promise<RulesVersion[]> {
    const stored = (await q('programme_rules').where({ district_id: districtId }).orderBy('version', 'desc')).map(toVersion);
    const defaults = BUILT_IN_RULES.filter((b) => !stored.some((v) => v.version === b.version)).map((b) => builtIn(districtId, b));
    return [...stored, ...defaults].sort((a, b) => b.version - a.version);
  }

  /** One version of the district's rules (a stored one shadows the built-in of its number), or undefined. */
  async function version(districtId: string, number: number, q: Queryable = db): Promise<RulesVersion | undefined> {
    const r = await q('programme_rules').where({ district_id: districtId, version: number }).first();
    if (r) return toVersion(r);
    const b = BUILT_IN_RULES.find((x) => x.version === number);
    return b ? builtIn(districtId, b) : undefined;
  }

  /** The district's rules in force: its newest stored version, else the defaults (DEFAULT_RULES). */
  async function current(districtId: string, q: Queryable = db): Promise<ProgrammeRules> {
    const r = await q('programme_rules').where({ district_id: districtId }).orderBy('version', 'desc').first();
    return r ? toVersion(r).rules : upgradeRules(structuredClone(DEFAULT_RULES));
  }

  /** The version in force, with its record (publishedAt null for the built-in defaults). */
  async function currentVersion(districtId: string, q: Queryable = db): Promise<RulesVersion> {
    const r = await q('programme_rules').where({ district_id: districtId }).orderBy('version', 'desc').first();
    return r ? toVersion(r) : builtIn(districtId, DEFAULT_RULES);
  }

  async function publish(districtId: string, input: unknown, userId: string | null, note?: string, q: Queryable = db): Promise<RulesVersion> {
    refuseOldShape(input);
    const parsed = parseOr422(RulesSchema, input, 'invalid rules');
    const latest = await q('programme_rules').where({ district_id: districtId }).max<{ v: number | null }[]>({ v: 'version' });
    // The built-in defaults hold the first versions, so a published version never collides with
    // projects that started under them.
    const version = Math.max(Number(latest[0]?.v ?? 0), DEFAULT_RULES.version) + 1;
    const notices = Object.fromEntries(NOTICE_KINDS.flatMap((k) => (parsed.notices[k] ? [[k, { workingDays: parsed.notices[k]!.workingDays }]] : [])));
    const rules = { ...parsed, notices, sources: parsed.sources ?? {}, version } as ProgrammeRules;
    const at = clock.now().toISOString();
    await q('programme_rules').insert({ district_id: districtId, version, rules: JSON.stringify(rules), published_by: userId, published_at: at, note: note ?? null });
    return { districtId, version, rules, publishedBy: userId, publishedAt: at, note: note ?? null };
  }

  return { versions, version, current, currentVersion, publish };
}

export type RulesService = ReturnType<typeof createRulesService>;
