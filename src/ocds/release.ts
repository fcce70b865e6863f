// A project as an OCDS 1.1.5 release: a pure mapping of what the public may see of it (the project
// and its history as the presenter gives them to the null viewer: sealed procurement stays sealed,
// personal data is never there) plus the names of the organisations involved. No personal data is
// added here: parties are organisations (the community, the street, the district, vendors), the
// council vote is counts only, payments carry no voucher, acceptances name no signatory.
import type { PresentedHistoryRow, PresentedProject } from '../projects/project-presenter.js';
import { shanghaiDate } from '../lib/calendar.js';
import { FINAL_STAGES, isNoticeStage, type NoticeKind, type Parties, type Stage } from '../../workflows/project/index.js';
import { t } from '../lib/i18n.js';
import type {
  AwardStatus, ContractStatus, OcdsAward, OcdsContract, OcdsItem, OcdsMilestone, OcdsOrganization, OcdsOrganizationReference,
  OcdsRelease, OcdsTender, OcdsTransaction, OcdsValue, ProcurementMethodCode, ReleaseTag, TenderStatus,
} from './types.js';

export interface Place {
  id: string;
  nameZh: string;
}

/** Everything the mapping reads: the public view of one project and the names it needs. */
export interface ReleaseFacts {
  ocid: string;
  /** the project as the public sees it (ProjectService.get(null, id)) */
  project: PresentedProject;
  /** its history as the public sees it (ProjectService.history(null, id)) */
  history: PresentedHistoryRow[];
  district: Place;
  street: Place;
  community: Place;
  /** vendor id → the vendor's name (organisations: their names are public facts of a contract) */
  vendorNames: ReadonlyMap<string, string>;
  /** who buys and who pays, per the project's rules version */
  parties: Pick<Parties, 'purchaser' | 'payer'>;
  /** the engine's time now: a notice still running is a scheduled milestone */
  now: string;
}

/** Integer fen → decimal yuan (the standard's amounts are in the currency's unit). */
export const yuan = (fen: number): OcdsValue => ({ amount: fen / 100, currency: 'CNY' });

/** A date (YYYY-MM-DD, Asia/Shanghai) as the end of that day, a date-time. */
const endOfShanghaiDay = (date: string) => `${date}T23:59:59+08:00`;

/**
 * Our states on the closed tenderStatus codelist: planning until the budget is approved, planned
 * until vendors are invited, active while quoting and evaluating, complete from the award on.
 * Final states without an award: rejected and cancelled → cancelled, withdrawn → withdrawn.
 */
export const TENDER_STATUS: Record<Stage, TenderStatus> = {
  draft: 'planning',
  screening: 'planning',
  deliberation: 'planning',
  public_notice: 'planning',
  objection_review: 'planning',
  street_review: 'planning',
  budget_approval: 'planning',
  confirmation_notice: 'planned',
  confirmation_objection_review: 'planned',
  'procurement.preparing': 'planned',
  'procurement.quoting': 'active',
  'procurement.evaluating': 'active',
  'procurement.contracting': 'complete',
  delivery: 'complete',
  acceptance: 'complete',
  acceptance_notice: 'complete',
  acceptance_objection_review: 'complete',
  rectification: 'complete',
  settlement: 'complete',
  evaluation: 'complete',
  warranty: 'complete',
  closed: 'complete',
  rejected: 'cancelled',
  withdrawn: 'withdrawn',
  cancelled: 'cancelled',
};

/** Our procurement methods on the closed method codelist, with our own name for each. */
export const PROCUREMENT_METHOD: Record<'direct' | 'quotation' | 'competitive', { code: ProcurementMethodCode; details: string }> = {
  direct: { code: 'direct', details: '直接采购' },
  quotation: { code: 'limited', details: '询价' },
  competitive: { code: 'limited', details: '竞争性磋商' },
};

/** Published in Chinese (the release's language): the pages' own words for notices and meetings. */
const zh = (key: string, params?: Record<string, unknown>) => t('zh-CN', key, params);

const stageOf = (state: string): Stage => (state in TENDER_STATUS ? (state as Stage) : 'draft');

/** The last history row of this type, when no row after it took the project back to `draft`. */
function lastStanding(history: PresentedHistoryRow[], type: string): PresentedHistoryRow | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const h = history[i]!;
    if (h.type === type) return h;
    if (h.to === 'draft' && h.from !== null && h.from !== 'draft') return undefined;
  }
  return undefined;
}

function partyRefs(f: ReleaseFacts) {
  const community: OcdsOrganizationReference = { id: `community-${f.community.id}`, name: f.community.nameZh };
  const street: OcdsOrganizationReference = { id: `street-${f.street.id}`, name: f.street.nameZh };
  const district: OcdsOrganizationReference = { id: `district-${f.district.id}`, name: f.district.nameZh };
  const vendor = (id: string): OcdsOrganizationReference => ({ id: `vendor-${id}`, name: f.vendorNames.get(id) ?? id });
  const purchaser = f.parties.purchaser === 'street' ? street : community;
  const payer = f.parties.payer === 'street' ? street : district;
  return { community, street, district, vendor, purchaser, payer };
}

function planningMilestones(f: ReleaseFacts): OcdsMilestone[] {
  const p = f.project;
  const out: OcdsMilestone[] = [];
  // Every council meeting, void ones included: counts only (never who voted, nor the minutes).
  p.meetings.forEach((m, n) => {
    const carried = m.failures.length === 0;
    const noQuorum = m.failures.some((r) => r.code === 'QUORUM_NOT_MET');
    out.push({
      id: `council-vote-${n + 1}`,
      title: '居民议事会表决',
      type: 'engagement',
      code: 'councilVote',
      description: `${zh('projects.meetingVotes', { members: m.members, present: m.present, for: m.for, against: m.against, abstain: m.abstain })}。${zh(carried ? 'projects.meetingCarried' : noQuorum ? 'projects.meetingVoid' : 'projects.meetingRejected')}。`,
      dateMet: m.at,
      status: carried ? 'met' : 'notMet',
    });
  });
  out.push(...noticeMilestones(f, ['proposal', 'confirmation']));
  const review = lastStanding(f.history, 'APPROVE');
  if (review) out.push({ id: 'street-review', title: '街道审核', type: 'approval', code: 'streetReview', dateMet: review.at, status: 'met' });
  const budget = p.approvedFen !== null ? lastStanding(f.history, 'APPROVE_BUDGET') : undefined;
  if (budget) {
    out.push({ id: 'budget-approval', title: '预算核定', type: 'approval', code: 'budgetApproval', description: `核定金额 ¥${(p.approvedFen! / 100).toFixed(2)}`, dateMet: budget.at, status: 'met' });
  } else if (p.state === 'budget_approval') {
    out.push({ id: 'budget-approval', title: '预算核定', type: 'approval', code: 'budgetApproval', status: 'scheduled' });
  }
  return out;
}

/** The public notices of these kinds held so far, with the number of objections (counts only). */
function noticeMilestones(f: ReleaseFacts, kinds: readonly NoticeKind[]): OcdsMilestone[] {
  const p = f.project;
  const notices = p.notices ?? [];
  return notices.flatMap((notice, n) => {
    if (!kinds.includes(notice.kind)) return [];
    const running = n === notices.length - 1 && isNoticeStage(p.state) && f.now < notice.endsAt;
    const objections = p.objections.filter((o) => (o.notice ?? 'proposal') === notice.kind && o.at >= notice.startedAt && o.at <= notice.endsAt);
    const upheld = objections.filter((o) => o.status === 'upheld').length;
    return [{
      id: `notice-${n + 1}`,
      title: zh(`notices.kinds.${notice.kind}`),
      type: 'engagement' as const,
      code: `${notice.kind}Notice`,
      description: `公示期 ${shanghaiDate(notice.startedAt)} 至 ${shanghaiDate(notice.endsAt)}；异议 ${objections.length} 件，成立 ${upheld} 件。`,
      dueDate: notice.endsAt,
      ...(running ? {} : { dateMet: notice.endsAt }),
      status: running ? ('scheduled' as const) : ('met' as const),
    }];
  });
}

function items(list: ReadonlyArray<{ name: string; quantity: number; unitFen: number; id?: string }>): OcdsItem[] {
  return list.map((i, n) => ({ id: i.id ?? `item-${n + 1}`, description: i.name, quantity: i.quantity, unit: { value: yuan(i.unitFen) } }));
}

function tender(f: ReleaseFacts, refs: ReturnType<typeof partyRefs>): OcdsTender {
  const p = f.project;
  const stage = stageOf(p.state);
  const awarded = p.award !== null;
  const status: TenderStatus = awarded ? 'complete' : TENDER_STATUS[stage];
  const method = p.procurement ? PROCUREMENT_METHOD[p.procurement.method] : undefined;
  const t: OcdsTender = {
    id: `${f.ocid}-tender`,
    title: p.title,
    status,
    procuringEntity: refs.purchaser,
    items: items(p.items),
    value: yuan(p.approvedFen ?? p.estimatedFen),
    ...(method ? { procurementMethod: method.code, procurementMethodDetails: method.details, procurementMethodRationale: '按核定金额依项目规则确定采购方式' } : {}),
    mainProcurementCategory: p.type,
  };
  // Invitations and quotes are sealed until the award (the presenter gives the public none of them
  // before); published from the award on: who was invited, who quoted, and what.
  if (awarded && p.procurement) {
    const quoted = p.procurement.quotes.filter((q) => !q.sealed);
    const invite = lastStanding(f.history, 'INVITE');
    const lines = [
      ...(p.procurement.invitations.length ? [`邀请供应商 ${p.procurement.invitations.length} 家：${p.procurement.invitations.map((v) => refs.vendor(v).name).join('、')}。`] : []),
      ...(quoted.length ? [`报价 ${quoted.length} 份：${quoted.map((q) => `${refs.vendor(q.vendorId).name} ¥${((q.amountFen ?? 0) / 100).toFixed(2)}`).join('；')}。`] : []),
      ...(p.procurement.failures.length ? [`流标 ${p.procurement.failures.length} 次。`] : []),
    ];
    if (lines.length) t.description = lines.join('');
    if (p.procurement.deadline) t.tenderPeriod = { ...(invite ? { startDate: invite.at } : {}), endDate: p.procurement.deadline };
    if (quoted.length) {
      t.numberOfTenderers = quoted.length;
      t.tenderers = quoted.map((q) => refs.vendor(q.vendorId));
    }
  }
  return t;
}

function award(f: ReleaseFacts, refs: ReturnType<typeof partyRefs>): OcdsAward | undefined {
  const a = f.project.award;
  if (!a) return undefined;
  const confirmed = f.project.contract?.confirmedAt != null;
  const status: AwardStatus = f.project.state === 'cancelled' && !confirmed ? 'cancelled' : 'active';
  return {
    id: `${f.ocid}-award-1`,
    title: f.project.title,
    description: a.direct ? `直接采购：${a.justification}` : a.justification,
    status,
    date: a.at,
    value: yuan(a.amountFen),
    suppliers: [refs.vendor(a.vendorId)],
  };
}

function implementationMilestones(f: ReleaseFacts): OcdsMilestone[] {
  const p = f.project;
  const c = p.contract!;
  const final = (FINAL_STAGES as readonly string[]).includes(p.state);
  const due = c.dueOn ? (p.deadlines.dueAt ?? endOfShanghaiDay(c.dueOn)) : undefined;
  const out: OcdsMilestone[] = c.items.map((i) => {
    const confirmedQty = i.confirmedQty;
    const lastReceipt = [...f.history].reverse().find((h) => h.type === 'CONFIRM_RECEIPT' && (h.payload as Record<string, unknown> | null)?.itemId === i.id);
    const status = confirmedQty >= i.quantity ? 'met' : confirmedQty > 0 ? 'partiallyMet' : final ? 'notMet' : 'scheduled';
    return {
      id: `delivery-${i.id}`,
      title: `交付：${i.name}`,
      type: 'delivery' as const,
      code: 'delivery',
      description: `合同数量 ${i.quantity}，已交付 ${i.delivered}，已确认收货 ${confirmedQty}。`,
      ...(due ? { dueDate: due } : {}),
      ...(status === 'met' && lastReceipt ? { dateMet: lastReceipt.at } : {}),
      status,
    };
  });
  const inAcceptanceNotice = p.state === 'acceptance_notice' || p.state === 'acceptance_objection_review';
  p.acceptances.forEach((a, n) => {
    const last = n === p.acceptances.length - 1;
    const met = a.accepted || (last && a.passed && inAcceptanceNotice);
    out.push({
      id: `acceptance-${n + 1}`,
      title: '项目验收',
      type: 'assessment',
      code: 'acceptance',
      // the result and the satisfaction rate; never the signatories (residents and beneficiaries by name)
      description: `${a.passed ? '验收合格' : '验收不合格'}，满意度 ${a.satisfactionPct}%。${met ? '' : '需整改。'}`,
      dateMet: a.at,
      status: met ? 'met' : 'notMet',
    });
  });
  if (p.state === 'acceptance') out.push({ id: `acceptance-${p.acceptances.length + 1}`, title: '项目验收', type: 'assessment', code: 'acceptance', status: 'scheduled' });
  out.push(...noticeMilestones(f, ['acceptance']));
  if (p.evaluation) {
    out.push({ id: 'evaluation', title: '绩效评价', type: 'assessment', code: 'evaluation', description: `评分 ${p.evaluation.score}，等级 ${p.evaluation.grade}。`, dateMet: p.evaluation.at, status: 'met' });
  }
  const retention = p.payments.find((x) => x.tranche === 'retention');
  if (p.deadlines.warrantyEndsAt) {
    out.push({
      id: 'warranty', title: '质保期满，退还质保金', type: 'payment', code: 'retention', dueDate: p.deadlines.warrantyEndsAt,
      ...(retention ? { dateMet: retention.at } : {}),
      status: retention ? 'met' : p.state === 'cancelled' ? 'notMet' : 'scheduled',
    });
  }
  return out;
}

function contract(f: ReleaseFacts, refs: ReturnType<typeof partyRefs>, awardId: string): OcdsContract | undefined {
  const p = f.project;
  const c = p.contract;
  if (!c || !p.award) return undefined;
  const confirmed = c.confirmedAt != null;
  const status: ContractStatus = !confirmed
    ? (p.state === 'cancelled' ? 'cancelled' : 'pending')
    : (p.state === 'closed' || p.state === 'cancelled' ? 'terminated' : 'active');
  const due = c.dueOn ? (p.deadlines.dueAt ?? endOfShanghaiDay(c.dueOn)) : undefined;
  const out: OcdsContract = {
    id: `${f.ocid}-contract-1`,
    awardID: awardId,
    title: `${p.title}（合同编号 ${c.contractNo}）`,
    status,
    period: { startDate: c.confirmedAt ?? c.signedAt, ...(due ? { endDate: due } : {}) },
    value: yuan(c.amountFen),
    items: items(c.items),
    ...(confirmed ? { dateSigned: c.confirmedAt! } : {}),
  };
  if (confirmed) {
    const payee = refs.vendor(p.award.vendorId);
    // payments: tranche, amount and date; never the voucher
    const transactions: OcdsTransaction[] = p.payments.map((pay, n) => ({
      id: `payment-${n + 1}-${pay.tranche}`, date: pay.at, value: yuan(pay.amountFen), payer: refs.payer, payee,
    }));
    out.implementation = { milestones: implementationMilestones(f), transactions };
  }
  return out;
}

/** The parties: organisations only, each once, with every role it plays. */
function parties(f: ReleaseFacts, refs: ReturnType<typeof partyRefs>, t: OcdsTender, contracts: OcdsContract[]): OcdsOrganization[] {
  const byId = new Map<string, OcdsOrganization>();
  // the public bodies' address: the street (for a community or a street) in the district, China
  const addressOf = (id: string) => (id.startsWith('district-')
    ? { address: { region: f.district.nameZh, countryName: '中国' } }
    : { address: { locality: f.street.nameZh, region: f.district.nameZh, countryName: '中国' } });
  const add = (ref: OcdsOrganizationReference, role: OcdsOrganization['roles'][number], place = false) => {
    let org = byId.get(ref.id);
    if (!org) {
      org = { ...ref, ...(place ? addressOf(ref.id) : {}), roles: [] };
      byId.set(ref.id, org);
    }
    if (!org.roles.includes(role)) org.roles.push(role);
  };
  add(refs.purchaser, 'buyer', true);
  add(refs.purchaser, 'procuringEntity', true);
  for (const tenderer of t.tenderers ?? []) add(tenderer, 'tenderer');
  if (f.project.award) add(refs.vendor(f.project.award.vendorId), 'supplier');
  const transactions = contracts.flatMap((c) => c.implementation?.transactions ?? []);
  if (transactions.length) {
    add(refs.payer, 'payer', true);
    for (const tr of transactions) add(tr.payee, 'payee');
  }
  return [...byId.values()];
}

/** The project as one OCDS release, as it stands now (one release per version the public can see). */
export function toRelease(f: ReleaseFacts): OcdsRelease {
  const p = f.project;
  const refs = partyRefs(f);
  const t = tender(f, refs);
  const a = award(f, refs);
  const c = a ? contract(f, refs, a.id) : undefined;
  const contracts = c ? [c] : [];
  const tag: ReleaseTag[] = ['planning'];
  if (p.procurement) tag.push('tender');
  if (a) tag.push('award');
  if (c) tag.push('contract');
  if (c?.implementation) tag.push('implementation');
  const date = f.history.reduce((latest, h) => (h.at > latest ? h.at : latest), p.createdAt);
  return {
    ocid: f.ocid,
    id: `${f.ocid}-${p.version}`,
    date,
    tag,
    initiationType: 'tender',
    language: 'zh',
    parties: parties(f, refs, t, contracts),
    buyer: refs.purchaser,
    planning: {
      ...(p.description ? { rationale: p.description } : {}),
      budget: {
        id: `${p.ref}-budget`,
        description: `${p.budgetYear} 年度民生微实事资金（${f.community.nameZh}）：${p.approvedFen !== null ? '核定金额' : '申请金额'}`,
        amount: yuan(p.approvedFen ?? p.estimatedFen),
        project: p.title,
        projectID: p.ref,
      },
      milestones: planningMilestones(f),
    },
    tender: t,
    ...(a ? { awards: [a] } : {}),
    ...(c ? { contracts } : {}),
  };
}
