/**
 * Programme rules (实施规则) as data, and the pure rule functions built on them.
 *
 * Every number is a configurable default (domain/PROGRAMME.md, "Numbers"): districts differ and
 * change their rules most years, so the engine stores rules per district and version and a project
 * keeps the version it started under (it is part of the machine input).
 *
 * Rule functions return `Reason[]`; empty means "ok". Guards in the machine are exactly
 * `rule(...).length === 0`, and `refusalReasons` returns the same reasons, so the UI and the
 * machine can never disagree.
 */
import type {
  Checklist,
  LegacyChecklist,
  Stage,
  ProcurementMethod,
  ProcurementRecord,
  ProjectType,
  Reason,
  Signatory,
} from './project.types.js';
import { shanghaiDate } from './project.dates.js';
import { DEFAULT_ELIGIBILITY, type Eligibility } from './project.rules.vendors.js';
import { DEFAULT_MAX_RATING_CODES, DEFAULT_MIN_RATINGS } from './project.ratings.js';
import { DEFAULT_NEED_RULES, type NeedRules } from '../need/need.types.js';

export interface Fraction {
  num: number;
  den: number;
}

/** The public notices (公示) a rules version may name, in lifecycle order. */
export const NOTICE_KINDS = ['proposal', 'confirmation', 'acceptance'] as const;
/**
 * - `proposal`: the proposal after the council vote (议题公示);
 * - `confirmation`: the confirmed project with its approved amount, after budget approval (项目确定公示);
 * - `acceptance`: the acceptance result (验收结果公示).
 */
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** One entry of an admin-editable list (the positive and negative lists): a stable code and its names. */
export interface ListEntry {
  code: string;
  zh: string;
  en: string;
}

/** Who does what, as the rules version says (ARCHITECTURE §4, "who purchases, approves and pays"). */
export interface Parties {
  /** INVITE, AWARD, DECLARE_FAILED, SIGN_CONTRACT: the community, or the street for its communities */
  purchaser: 'community' | 'street';
  /** APPROVE_BUDGET (and RETURN/REJECT there): the district, or the street within its communities' allocations */
  budgetApprover: 'district' | 'street';
  /** RECORD_PAYMENT, RELEASE_RETENTION: district finance, or a finance user scoped to the project's street */
  payer: 'district' | 'street';
}

export interface PaymentPlan {
  advancePct: number;
  finalPct: number;
  retentionPct: number;
  /** only meaningful when retentionPct > 0 */
  warrantyMonths: number;
}

/** Where a rule's value comes from, for the admin page: a citation, and whether a primary source was found. */
export interface RuleSource {
  source: string;
  verified: boolean;
}

export interface ProgrammeRules {
  version: number;
  /** per-project cap in fen by type */
  capsFen: Record<ProjectType, number>;
  /** Which public notices exist and how many working days (PRC official calendar) each runs; an absent kind is not held. */
  notices: Partial<Record<NoticeKind, { workingDays: number }>>;
  /** at least this share of members present, or the meeting is void */
  quorum: Fraction;
  /** strictly more than this share of those present in favour */
  majority: Fraction;
  /** 初审: the positive areas a proposal must fall under, and the negative items it must not be */
  screening: { positiveAreas: ListEntry[]; negativeItems: ListEntry[] };
  /** A proposal is for its creation year or up to this many years after it (a fourth-quarter proposal is usually for next year). */
  budgetYearsAhead: number;
  parties: Parties;
  procurement: {
    /** direct purchase when amount < this */
    directBelowFen: number;
    /** written quotes (询价) when directBelowFen ≤ amount ≤ this; competitive (竞争性磋商) above */
    quotationUpToFen: number;
    /** minimum number of vendors to invite, and of quotes to award, per method */
    minQuotes: Record<ProcurementMethod, number>;
  };
  acceptance: {
    satisfactionPct: number;
    signatories: string[];
    /** extra signatories per project type (works: supervisor) */
    extraSignatories: Partial<Record<ProjectType, string[]>>;
    /**
     * Where the beneficiary signs too: projects with named beneficiaries (household adaptations,
     * assistive devices), given by category; a ramp or a canteen serving everyone has none.
     */
    beneficiarySignsFor: { categories: string[] };
    /**
     * Residents' ratings (project.ratings.ts): the fewest codes used before their share at 4–5 stars
     * may be the acceptance's satisfaction figure, and the most codes one project may print. Absent
     * in rules stored before them: `upgradeRules` gives the defaults.
     */
    minRatings?: number;
    maxRatingCodes?: number;
  };
  /** the default plan, and per type where a type differs */
  payment: PaymentPlan & { byType?: Partial<Record<ProjectType, PaymentPlan>> };
  reviewReminderWorkingDays: number;
  reviewEscalationWorkingDays: number;
  /**
   * How long a project is expected to stay in a stage, in days (working days on the official
   * calendar when `working`). Past it, the project is stuck (reports, monitoring). Stages whose
   * own deadline governs them (a notice, the quote deadline, the contract's due date, the warranty)
   * are measured against that deadline instead and need no entry.
   */
  stageDays: Partial<Record<Stage, { days: number; working: boolean }>>;
  /**
   * The project file (一项目一档案): which kinds of document a project must hold once it has
   * reached a stage, by type (`types` empty: every type).
   */
  requiredDocuments: RequiredDocument[];
  /**
   * What a vendor must meet to be invited or awarded, per project type (project.rules.vendors.ts).
   * Absent in every rules version before 3: those require nothing, so their histories replay as written.
   */
  eligibility?: Eligibility;
  /**
   * Below which a vendor's performance record (src/vendors/vendor-performance.ts) is flagged for the
   * district. Not a lifecycle rule: no machine reads it. Absent in versions 1 and 2 (and in versions
   * stored before it): no vendor is flagged.
   */
  vendorRecord?: VendorRecordThreshold;
  /**
   * How long a street or community has to resolve a need referred to it, and when it is reminded
   * (workflows/need; a need copies them at its start). Not a project rule: no project machine reads
   * it. Absent (versions 1 and 2, and versions stored before it): the need workflow's defaults.
   */
  needs?: NeedRules;
  /** rule (top-level key) → where its value comes from; shown to admins */
  sources: Record<string, RuleSource>;
}

/** The kinds of document a project file holds (一项目一档案), in the order an auditor reads them. */
export const DOCUMENT_KINDS = [
  'application', 'screening', 'minutes', 'notice', 'approval', 'quote', 'contract', 'delivery_evidence',
  'acceptance_report', 'invoice', 'payment_voucher', 'fund_statement', 'evaluation', 'other',
] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export interface RequiredDocument {
  kind: DocumentKind;
  /** required once the project has entered this stage (or any later one on its way) */
  from: Stage;
  /** the project types it applies to; empty: all */
  types: ProjectType[];
}

/** The rules' keys an admin sees with a source, in the order the admin page lists them. */
export const RULE_KEYS = [
  'capsFen', 'notices', 'quorum', 'majority', 'screening', 'budgetYearsAhead', 'parties', 'procurement', 'acceptance', 'payment',
  'reviewReminderWorkingDays', 'reviewEscalationWorkingDays', 'stageDays', 'requiredDocuments', 'needs',
] as const satisfies ReadonlyArray<keyof ProgrammeRules>;

const UNVERIFIED = (source: string): RuleSource => ({ source, verified: false });
const ZHUHAI_2021: RuleSource = { source: '珠委办字〔2021〕6号 (Zhuhai 2021)', verified: true };

/** Zhuhai 2021's positive areas and negative exclusions (domain/PROGRAMME.md, Lifecycle 2). */
export const ZHUHAI_2021_SCREENING: ProgrammeRules['screening'] = {
  positiveAreas: [
    { code: 'mutual_help', zh: '互助关爱', en: 'Mutual help and care' },
    { code: 'greening', zh: '绿化美化', en: 'Greening' },
    { code: 'culture_sports', zh: '文体设施', en: 'Culture and sports facilities' },
    { code: 'safety', zh: '平安建设', en: 'Safety' },
    { code: 'emergency', zh: '应急处置', en: 'Emergencies' },
    { code: 'tech_livelihood', zh: '科技惠民', en: 'Technology for livelihoods' },
    { code: 'inclusion_services', zh: '共融共享与公共服务', en: 'Inclusion and public services' },
  ],
  negativeItems: [
    { code: 'property_management', zh: '属于物业管理服务范围的事项', en: 'Work that property management should do' },
    { code: 'duplicate_government', zh: '与政府投资项目或部门职责重复的事项', en: "Duplicating government-funded projects or departments' own duties" },
  ],
};

/** What the first defaults and the current ones share (Zhuhai 2021's caps and lists; the rest unverified). */
const COMMON = {
  // Zhuhai 2021: services and goods ≤ ¥200,000; works ≤ ¥500,000
  capsFen: { services: 20_000_000, goods: 20_000_000, works: 50_000_000 },
  quorum: { num: 2, den: 3 },
  majority: { num: 1, den: 2 },
  screening: ZHUHAI_2021_SCREENING,
  parties: { purchaser: 'community', budgetApprover: 'district', payer: 'district' },
  // direct < ¥50,000; three written quotes ¥50,000–¥200,000; competitive consultation above
  procurement: {
    directBelowFen: 5_000_000,
    quotationUpToFen: 20_000_000,
    minQuotes: { direct: 1, quotation: 3, competitive: 3 },
  },
  reviewReminderWorkingDays: 3,
  reviewEscalationWorkingDays: 10,
  // unverified: what a street's monthly monitoring would chase
  stageDays: {
    draft: { days: 30, working: false },
    screening: { days: 10, working: true },
    deliberation: { days: 30, working: false },
    objection_review: { days: 10, working: true },
    street_review: { days: 10, working: true },
    budget_approval: { days: 10, working: true },
    confirmation_objection_review: { days: 10, working: true },
    'procurement.preparing': { days: 15, working: true },
    'procurement.evaluating': { days: 5, working: true },
    'procurement.contracting': { days: 10, working: true },
    acceptance: { days: 10, working: true },
    acceptance_objection_review: { days: 10, working: true },
    rectification: { days: 20, working: true },
    settlement: { days: 10, working: true },
    evaluation: { days: 20, working: true },
  },
  // the auditor's file: what must be there once the project got that far
  requiredDocuments: [
    { kind: 'minutes', from: 'public_notice', types: [] },
    { kind: 'quote', from: 'procurement.contracting', types: [] },
    { kind: 'contract', from: 'delivery', types: [] },
    { kind: 'delivery_evidence', from: 'acceptance', types: [] },
    { kind: 'acceptance_report', from: 'settlement', types: [] },
    { kind: 'invoice', from: 'evaluation', types: [] },
    { kind: 'payment_voucher', from: 'evaluation', types: [] },
    { kind: 'fund_statement', from: 'closed', types: [] },
  ],
} as const satisfies Partial<ProgrammeRules>;

/**
 * The first defaults (rules version 1), kept as they were: projects that started under them keep
 * them. One notice, advance 30% / final 70% and no retention, the beneficiary signing every
 * acceptance, a proposal for its creation year only.
 */
export const RULES_V1: ProgrammeRules = Object.freeze({
  ...COMMON,
  version: 1,
  notices: { proposal: { workingDays: 5 } },
  budgetYearsAhead: 0,
  acceptance: {
    satisfactionPct: 80,
    signatories: ['community', 'residents_rep', 'beneficiary'],
    extraSignatories: { works: ['supervisor'] },
    beneficiarySignsFor: { categories: [] },
  },
  payment: { advancePct: 30, finalPct: 70, retentionPct: 0, warrantyMonths: 12 },
  sources: {},
}) as ProgrammeRules;

/**
 * The second defaults (rules version 2; domain/PROGRAMME.md): Zhuhai 2021 caps and lists, notices after
 * the vote, after budget approval and after acceptance, 30% on contract / 65% after acceptance /
 * 5% retention after a 12-month warranty. Everything but the caps and the lists is "unverified":
 * no primary source was found, and the admin page says so.
 */
export const RULES_V2: ProgrammeRules = Object.freeze({
  ...COMMON,
  version: 2,
  notices: { proposal: { workingDays: 5 }, confirmation: { workingDays: 5 }, acceptance: { workingDays: 5 } },
  budgetYearsAhead: 1,
  acceptance: {
    satisfactionPct: 80,
    signatories: ['community', 'residents_rep'],
    extraSignatories: { works: ['supervisor'] },
    // household adaptations and assistive devices serve named beneficiaries
    beneficiarySignsFor: { categories: ['居家改造', '助行'] },
  },
  payment: { advancePct: 30, finalPct: 65, retentionPct: 5, warrantyMonths: 12 },
  sources: {
    capsFen: ZHUHAI_2021,
    screening: ZHUHAI_2021,
    notices: UNVERIFIED('深圳市全面实施民生微实事项目工作指引 (2016): notice across the process; length unverified'),
    quorum: UNVERIFIED('unverified programme default'),
    majority: UNVERIFIED('unverified programme default'),
    budgetYearsAhead: UNVERIFIED('unverified programme default'),
    parties: { source: '深圳 2016 指引 (community buys); 珠委办字〔2021〕6号 (street or community buys)', verified: true },
    procurement: UNVERIFIED('unverified programme default'),
    acceptance: UNVERIFIED('unverified programme default'),
    payment: UNVERIFIED('unverified programme default'),
    reviewReminderWorkingDays: UNVERIFIED('unverified programme default'),
    reviewEscalationWorkingDays: UNVERIFIED('unverified programme default'),
    stageDays: UNVERIFIED('unverified programme default'),
    requiredDocuments: { source: '深圳市全面实施民生微实事项目工作指引 (2016): 一项目一档案 (application, budget, contract, payment transfer, acceptance report, invoice, fund statement)', verified: true },
  },
}) as ProgrammeRules;

/**
 * A vendor's record is flagged when it holds at least `minContracts` contracts and its average
 * evaluation score (0–100) is below `minAverageScore`, or its share of acceptances requested on time
 * (0–1) is below `minOnTimeShare` (unverified programme defaults).
 */
export interface VendorRecordThreshold {
  minAverageScore: number;
  minOnTimeShare: number;
  minContracts: number;
}

export const DEFAULT_VENDOR_RECORD: VendorRecordThreshold = Object.freeze({ minAverageScore: 70, minOnTimeShare: 0.8, minContracts: 3 });

/**
 * The defaults (rules version 3): version 2 and vendor eligibility for service projects
 * (domain/PROGRAMME.md, Lifecycle 5, unverified: registered ≥ 1 year, no violation in 2 years,
 * ≥ 3 full-time staff, 3A preferred). PROGRAMME.md names no requirement for goods and works.
 * Also the vendor performance threshold (`vendorRecord`, issue 14 item 2), read by no machine.
 */
export const DEFAULT_RULES: ProgrammeRules = Object.freeze({
  ...RULES_V2,
  version: 3,
  eligibility: DEFAULT_ELIGIBILITY,
  vendorRecord: DEFAULT_VENDOR_RECORD,
  needs: DEFAULT_NEED_RULES,
  sources: { ...RULES_V2.sources, needs: UNVERIFIED('unverified programme default') },
}) as ProgrammeRules;

/**
 * A rules object in the current shape. Rules stored before this shape (project inputs, published
 * versions) keep their meaning: their one notice (`noticeWorkingDays`), Zhuhai's lists (which the
 * old yes/no checklist stood for), the community buying, the district approving and paying, and no
 * budget year but the creation year. Idempotent.
 */
export function upgradeRules(stored: unknown): ProgrammeRules {
  const r = { ...(stored as Record<string, unknown>) } as Record<string, unknown> & Partial<ProgrammeRules>;
  if (r.notices === undefined) {
    const days = typeof r.noticeWorkingDays === 'number' ? r.noticeWorkingDays : 5;
    r.notices = { proposal: { workingDays: days } };
  }
  delete r.noticeWorkingDays;
  r.screening ??= ZHUHAI_2021_SCREENING;
  r.budgetYearsAhead ??= 0;
  r.parties ??= { ...RULES_V1.parties };
  if (r.acceptance && r.acceptance.beneficiarySignsFor === undefined) r.acceptance = { ...r.acceptance, beneficiarySignsFor: { categories: [] } };
  // residents' ratings came later: older versions take the defaults (they only matter to events that use them)
  if (r.acceptance && r.acceptance.minRatings === undefined) r.acceptance = { ...r.acceptance, minRatings: DEFAULT_MIN_RATINGS };
  if (r.acceptance && r.acceptance.maxRatingCodes === undefined) r.acceptance = { ...r.acceptance, maxRatingCodes: DEFAULT_MAX_RATING_CODES };
  r.sources ??= {};
  // monitoring and the project file are not lifecycle rules: older versions read the defaults'
  r.stageDays ??= COMMON.stageDays;
  r.requiredDocuments ??= COMMON.requiredDocuments as unknown as RequiredDocument[];
  // Deliberately no `eligibility`: a version stored without it required nothing of vendors, and its
  // projects' histories (INVITE and AWARD without vendor records) must replay as they were written.
  return r as ProgrammeRules;
}

/** The working days of a notice, or null when the rules hold no such notice. */
export function noticeDays(rules: ProgrammeRules, kind: NoticeKind): number | null {
  return rules.notices[kind]?.workingDays ?? null;
}

/** The payment plan of a project of this type. */
export function planFor(rules: ProgrammeRules, type: ProjectType): PaymentPlan {
  const { byType, ...plan } = rules.payment;
  return byType?.[type] ?? plan;
}

const reason = (code: string, params?: Record<string, unknown>): Reason =>
  params === undefined ? { code } : { code, params };


// ── proposal ────────────────────────────────────────────────────────────────────────────────

export function capReasons(rules: ProgrammeRules, type: ProjectType, estimatedFen: number): Reason[] {
  const capFen = rules.capsFen[type];
  return estimatedFen > capFen ? [reason('OVER_CAP', { capFen, estimatedFen, type })] : [];
}

export function submitReasons(
  rules: ProgrammeRules,
  p: { type: ProjectType; estimatedFen: number; items: unknown[] },
): Reason[] {
  const out = capReasons(rules, p.type, p.estimatedFen);
  if (p.items.length === 0) out.push(reason('NO_ITEMS'));
  return out;
}

/**
 * SCREEN_PASS: a positive area of the rules version, a "no" for each of its negative items (and
 * nothing else), and not a duplicate.
 */
export function checklistReasons(rules: ProgrammeRules, checklist: Checklist): Reason[] {
  const out: Reason[] = [];
  const { positiveAreas, negativeItems } = rules.screening;
  if (!positiveAreas.some((a) => a.code === checklist.positiveArea)) {
    out.push(reason('UNKNOWN_POSITIVE_AREA', { positiveArea: checklist.positiveArea }));
  }
  for (const item of negativeItems) {
    if (checklist.negativeItems[item.code] !== false) out.push(reason('CHECKLIST_FAILED', { item: item.code, expected: false, name: { zh: item.zh, en: item.en } }));
  }
  for (const code of Object.keys(checklist.negativeItems)) {
    if (!negativeItems.some((i) => i.code === code)) out.push(reason('UNKNOWN_NEGATIVE_ITEM', { item: code }));
  }
  if (checklist.duplicate !== false) out.push(reason('CHECKLIST_FAILED', { item: 'duplicate', expected: false }));
  return out;
}

/** Version 1 and 2: three unnamed yes/no answers (kept to replay their histories). */
export function legacyChecklistReasons(checklist: LegacyChecklist): Reason[] {
  const expected: LegacyChecklist = { positiveList: true, negativeList: false, duplicate: false };
  return (Object.keys(expected) as Array<keyof LegacyChecklist>)
    .filter((item) => checklist[item] !== expected[item])
    .map((item) => reason('CHECKLIST_FAILED', { item, expected: expected[item] }));
}

export interface Votes {
  members: number;
  present: number;
  for: number;
  against: number;
  abstain: number;
  heldOn: string;
}

/** Refusals for RECORD_DELIBERATION (the zod schema checks the counts too; this is defence in depth). */
export function deliberationReasons(v: Votes, at: string): Reason[] {
  const out: Reason[] = [];
  if (v.for + v.against + v.abstain !== v.present || v.present > v.members) {
    out.push(reason('VOTE_COUNTS_MISMATCH'));
  }
  if (v.heldOn > shanghaiDate(at)) out.push(reason('HELD_ON_IN_FUTURE', { heldOn: v.heldOn }));
  return out;
}

/** Whether enough members attended: a meeting without quorum is void (version 3: it decides nothing). */
export function quorate(rules: ProgrammeRules, v: Votes): boolean {
  return v.members > 0 && v.present * rules.quorum.den >= v.members * rules.quorum.num;
}

/** Not refusals: a failed vote is a valid record that sends the proposal to `rejected`. */
export function deliberationFailures(rules: ProgrammeRules, v: Votes): Reason[] {
  const out: Reason[] = [];
  if (v.members <= 0 || v.present * rules.quorum.den < v.members * rules.quorum.num) {
    out.push(reason('QUORUM_NOT_MET', { present: v.present, members: v.members }));
  }
  if (v.for * rules.majority.den <= v.present * rules.majority.num) {
    out.push(reason('MAJORITY_NOT_MET', { for: v.for, present: v.present }));
  }
  return out;
}

/** A timer event is accepted only once its moment has come (event.at is the engine's clock). */
export function dueReasons(code: string, dueAt: string | null, at: string): Reason[] {
  if (dueAt === null) return [reason(code)];
  return Date.parse(at) < Date.parse(dueAt) ? [reason(code, { dueAt })] : [];
}

/** The engine must call `enrich` before the transition; a missing derived fact is refused. */
export function enrichedReasons(event: object, fields: string[]): Reason[] {
  const e = event as Record<string, unknown>;
  return fields
    .filter((f) => typeof e[f] !== 'string' || Number.isNaN(Date.parse(e[f] as string)))
    .map((field) => reason('NOT_ENRICHED', { field }));
}

export function budgetReasons(estimatedFen: number, approvedFen: number): Reason[] {
  const out: Reason[] = [];
  if (approvedFen <= 0) out.push(reason('AMOUNT_NOT_POSITIVE'));
  if (approvedFen > estimatedFen) out.push(reason('BUDGET_ABOVE_ESTIMATE', { approvedFen, estimatedFen }));
  return out;
}

// ── procurement ─────────────────────────────────────────────────────────────────────────────

/** `type` is part of the signature so that districts can later vary thresholds by type. */
export function procurementMethod(rules: ProgrammeRules, amountFen: number, _type?: ProjectType): ProcurementMethod {
  if (amountFen < rules.procurement.directBelowFen) return 'direct';
  if (amountFen <= rules.procurement.quotationUpToFen) return 'quotation';
  return 'competitive';
}

export function invitationReasons(
  rules: ProgrammeRules,
  method: ProcurementMethod,
  vendorIds: string[],
  deadline: string,
  at: string,
): Reason[] {
  const out: Reason[] = [];
  const min = rules.procurement.minQuotes[method];
  const count = new Set(vendorIds).size;
  if (count < min) out.push(reason('TOO_FEW_INVITATIONS', { min, count, method }));
  if (!(Date.parse(deadline) > Date.parse(at))) out.push(reason('DEADLINE_NOT_IN_FUTURE', { deadline }));
  return out;
}

export function quoteReasons(p: ProcurementRecord, vendorId: string | undefined, at: string): Reason[] {
  const out: Reason[] = [];
  if (vendorId === undefined || !p.invitations.includes(vendorId)) out.push(reason('NOT_INVITED'));
  if (p.deadline === null || Date.parse(at) >= Date.parse(p.deadline)) {
    out.push(reason('QUOTE_AFTER_DEADLINE', { deadline: p.deadline }));
  }
  return out;
}

export function withdrawQuoteReasons(p: ProcurementRecord, vendorId: string | undefined, at: string): Reason[] {
  const out = quoteReasons(p, vendorId, at);
  if (vendorId === undefined || p.quotes[vendorId] === undefined) out.push(reason('NO_QUOTE'));
  return out;
}

export function directAwardReasons(
  method: ProcurementMethod,
  approvedFen: number,
  amountFen: number,
): Reason[] {
  const out: Reason[] = [];
  if (method !== 'direct') out.push(reason('NOT_DIRECT_METHOD', { method }));
  out.push(...amountWithinApproved(approvedFen, amountFen));
  return out;
}

function amountWithinApproved(approvedFen: number, amountFen: number): Reason[] {
  const out: Reason[] = [];
  if (amountFen <= 0) out.push(reason('AMOUNT_NOT_POSITIVE'));
  if (amountFen > approvedFen) out.push(reason('AWARD_ABOVE_APPROVED', { approvedFen, amountFen }));
  return out;
}

/** Payload-independent: enough quotes to award at all (else 流标, DECLARE_FAILED). */
export function quoteCountReasons(rules: ProgrammeRules, p: ProcurementRecord): Reason[] {
  const min = rules.procurement.minQuotes[p.method];
  const count = Object.keys(p.quotes).length;
  return count < min ? [reason('TOO_FEW_QUOTES', { min, count })] : [];
}

export function awardReasons(
  rules: ProgrammeRules,
  p: ProcurementRecord,
  approvedFen: number,
  award: { vendorId: string; amountFen: number },
  at: string,
): Reason[] {
  const out = quoteCountReasons(rules, p);
  const quote = p.quotes[award.vendorId];
  if (quote === undefined) {
    out.push(reason('NO_QUOTE', { vendorId: award.vendorId }));
  } else {
    if (quote.amountFen !== award.amountFen) {
      out.push(reason('AWARD_NOT_EQUAL_QUOTE', { quoteFen: quote.amountFen, amountFen: award.amountFen }));
    }
    if (quote.validUntil < shanghaiDate(at)) out.push(reason('QUOTE_EXPIRED', { validUntil: quote.validUntil }));
  }
  out.push(...amountWithinApproved(approvedFen, award.amountFen));
  return out;
}

// ── acceptance ──────────────────────────────────────────────────────────────────────────────

/**
 * Who must sign the acceptance: the rules' signatories, the type's extra ones (works: supervisor),
 * and the beneficiary where the category serves named beneficiaries. Rules stored before
 * `beneficiarySignsFor` listed the beneficiary among everyone's signatories.
 */
export function requiredSignatories(rules: ProgrammeRules, type: ProjectType, category: string): string[] {
  const named = rules.acceptance.beneficiarySignsFor?.categories.includes(category) ?? false;
  return [...new Set([...rules.acceptance.signatories, ...(rules.acceptance.extraSignatories[type] ?? []), ...(named ? ['beneficiary'] : [])])];
}

export function signatoryReasons(rules: ProgrammeRules, p: { type: ProjectType; category: string }, signatories: Signatory[]): Reason[] {
  const signed = new Set(signatories.filter((s) => s.name.trim() !== '').map((s) => s.role));
  return requiredSignatories(rules, p.type, p.category)
    .filter((role) => !signed.has(role))
    .map((role) => reason('MISSING_SIGNATORY', { role }));
}

/** Not refusals: decide settlement vs rectification. */
export function acceptanceFailures(rules: ProgrammeRules, passed: boolean, satisfactionPct: number): Reason[] {
  const out: Reason[] = [];
  if (!passed) out.push(reason('ACCEPTANCE_FAILED'));
  if (satisfactionPct < rules.acceptance.satisfactionPct) {
    out.push(reason('SATISFACTION_BELOW_THRESHOLD', { satisfactionPct, threshold: rules.acceptance.satisfactionPct }));
  }
  return out;
}

export {
  contractReasons,
  deliveryReasons,
  disputeReasons,
  itemsConfirmedReasons,
  openSerials,
  partReasons,
  pendingQty,
  paymentPlan,
  paymentReasons,
  receiptReasons,
  retentionReasons,
} from './project.rules.delivery.js';
export * from './project.rules.vendors.js';
