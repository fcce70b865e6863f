/** The context a new project starts with (plain JSON: absent values are null), and how older versions' contexts read now. */
import { upgradeRules } from './project.rules.js';
import type { ContractItem, LegacyChecklist, ProjectContext, ProjectInput, WorkflowVersion } from './project.types.js';

export function initialContext(input: ProjectInput): ProjectContext {
  return {
    id: input.id,
    ref: input.ref,
    communityId: input.communityId,
    streetId: input.streetId,
    districtId: input.districtId,
    year: input.year,
    budgetYear: input.budgetYear ?? input.year,
    title: input.title,
    type: input.type,
    category: input.category,
    mainGroup: input.mainGroup ?? null,
    otherGroups: [...(input.otherGroups ?? [])],
    estimatedFen: input.estimatedFen,
    description: input.description,
    items: input.items.map((i) => ({ name: i.name, quantity: i.quantity, unitFen: i.unitFen })),
    beneficiaryCount: input.beneficiaryCount ?? null,
    rules: JSON.parse(JSON.stringify(input.rules)) as ProjectContext['rules'],
    createdBy: input.createdBy,
    stage: 'draft',
    actors: {},
    checklist: null,
    deliberation: null,
    meetings: [],
    noticeEndsAt: null,
    notices: [],
    objections: [],
    reviewReminderAt: null,
    reviewEscalationAt: null,
    approvedFen: null,
    procurement: null,
    award: null,
    awardedFen: null,
    contract: null,
    payments: [],
    paidFen: 0,
    paidByTranche: { advance: 0, final: 0, retention: 0 },
    acceptances: [],
    rectifications: [],
    evaluation: null,
    warrantyEndsAt: null,
    warrantyEnded: false,
    decisions: [],
    commentCount: 0,
    // only when started from the library: every other context keeps its shape, byte for byte
    ...(input.library ? { library: JSON.parse(JSON.stringify(input.library)) as NonNullable<ProjectInput['library']> } : {}),
  };
}

/** Context fields version 3 added; versions 1 and 2 start without them (their stored snapshots must replay byte for byte). */
const V3_FIELDS = ['budgetYear', 'mainGroup', 'otherGroups', 'meetings', 'notices'] as const;

/** The context a machine of `version` starts with. */
export function initialContextFor(version: WorkflowVersion, input: ProjectInput): ProjectContext {
  const c = initialContext(input);
  if (version >= 3) return c;
  const legacy = c as unknown as Record<string, unknown>;
  for (const f of V3_FIELDS) delete legacy[f];
  return c;
}

/**
 * The groups the categories before version 3 stood for (they named whom a project served). A
 * project that started then gets its main group from its category (any other: 全体居民, as the
 * migration 20261205130000 derives it for the read model); its category stays as it was.
 */
export const LEGACY_CATEGORY_GROUPS: Readonly<Record<string, string>> = { 助残: '残疾人', 助老: '老年人', 助幼: '儿童', 助学: '学生' };

/**
 * A version 1 or 2 context as version 3 reads it: its rules upgraded (keeping their meaning), the
 * budget year its creation year, one notice (the proposal's) if it was held, every meeting it
 * recorded, and receipts counted in quantities. Idempotent, pure.
 */
export function upgradeContext(stored: ProjectContext): ProjectContext {
  const c = stored as ProjectContext & Partial<Record<(typeof V3_FIELDS)[number], unknown>>;
  const carried = c.deliberation !== null && c.deliberation.failures.length === 0;
  const items = (c.contract?.items ?? []).map((i) => {
    const old = i as Partial<ContractItem> & ContractItem;
    return {
      ...old,
      confirmedQty: old.confirmedQty ?? (old.confirmed ? old.quantity : 0),
      disputedQty: old.disputedQty ?? 0,
      confirmedSerials: old.confirmedSerials ?? [],
      returnedSerials: old.returnedSerials ?? [],
      disputes: old.disputes ?? [],
    };
  });
  const checklist = c.checklist as LegacyChecklist | ProjectContext['checklist'];
  return {
    ...c,
    rules: upgradeRules(c.rules),
    budgetYear: typeof c.budgetYear === 'number' ? c.budgetYear : c.year,
    mainGroup: c.mainGroup === undefined ? (LEGACY_CATEGORY_GROUPS[c.category] ?? '全体居民') : c.mainGroup,
    otherGroups: Array.isArray(c.otherGroups) ? c.otherGroups : [],
    meetings: Array.isArray(c.meetings) ? c.meetings : c.deliberation === null ? [] : [c.deliberation],
    notices: Array.isArray(c.notices)
      ? c.notices
      : carried && c.noticeEndsAt !== null ? [{ kind: 'proposal', startedAt: c.deliberation!.at, endsAt: c.noticeEndsAt }] : [],
    objections: c.objections.map((o) => ({ ...o, notice: o.notice ?? 'proposal' })),
    checklist,
    contract: c.contract === null ? null : { ...c.contract, items },
  };
}
