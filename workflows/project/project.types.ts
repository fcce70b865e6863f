/**
 * Shared vocabulary of the `project` workflow: states, actors, reasons, input and context.
 * Everything here is plain JSON so that a snapshot survives `JSON.parse(JSON.stringify(…))`.
 * Absent values are `null`, never `undefined`.
 */
import type { LibraryFacts } from './project.rules.library.js';
import type { NoticeKind, ProgrammeRules, Votes } from './project.rules.js';

/** A refusal or explanation, rendered as a sentence by the web layer (i18n key `reasons.<code>`). */
export interface Reason {
  code: string;
  params?: Record<string, unknown>;
}

/**
 * The versions of the workflow (README, "version 2: what changed"). Histories keep the version
 * that wrote each row, and `weishishi verify` replays every row with that version's machine.
 */
export type WorkflowVersion = 1 | 2 | 3;
/** New instances start here; older snapshots are migrated to it (index.ts `migrateSnapshot`). */
export const CURRENT_VERSION = 3 satisfies WorkflowVersion;

export type ProjectType = 'goods' | 'works' | 'services';
export const PROJECT_TYPES = ['goods', 'works', 'services'] as const;

/** `operator` (话务员, care calls: src/campaigns) acts on no project: every project event refuses it. */
export type Role = 'community' | 'street' | 'district' | 'finance' | 'vendor' | 'admin' | 'operator' | 'system' | 'anonymous';

/** Stamped on every event by the engine (never by the client). */
export interface Actor {
  id: string;
  role: Role;
  communityId?: string;
  streetId?: string;
  vendorId?: string;
}

/** Leaf states, as `snapshot.value` reads when flattened with dots (ARCHITECTURE §4: public contract). */
export const STAGES = [
  'draft',
  'screening',
  'deliberation',
  'public_notice',
  'objection_review',
  'street_review',
  'budget_approval',
  'confirmation_notice',
  'confirmation_objection_review',
  'procurement.preparing',
  'procurement.quoting',
  'procurement.evaluating',
  'procurement.contracting',
  'delivery',
  'acceptance',
  'acceptance_notice',
  'acceptance_objection_review',
  'rectification',
  'settlement',
  'evaluation',
  'warranty',
  'closed',
  'rejected',
  'withdrawn',
  'cancelled',
] as const;
export type Stage = (typeof STAGES)[number];
export const FINAL_STAGES: readonly Stage[] = ['closed', 'rejected', 'withdrawn', 'cancelled'];
/** The ends without the work: the project holds no budget (an approved one was released). */
export const UNDONE_STAGES: readonly Stage[] = FINAL_STAGES.filter((s) => s !== 'closed');

export type ProcurementMethod = 'direct' | 'quotation' | 'competitive';
/** Payment tranches, in the plan's order. */
export const TRANCHES = ['advance', 'final', 'retention'] as const;
export type Tranche = (typeof TRANCHES)[number];
/** Evaluation grades (RECORD_EVALUATION), best first. */
export const GRADES = ['优秀', '良好', '合格', '不合格'] as const;

export interface LineItem {
  name: string;
  quantity: number;
  unitFen: number;
}

/** `initialTransition(machine, input)` — the engine builds it from `POST /projects`. */
export interface ProjectInput {
  id: string;
  ref: string;
  communityId: string;
  streetId: string;
  districtId: string;
  /** the year the project was created in (Asia/Shanghai); its reference number carries it */
  year: number;
  /** the budget year it is for and whose allocation it draws on (ARCHITECTURE §4); inputs before it had only `year` */
  budgetYear?: number;
  title: string;
  type: ProjectType;
  /** the kind of help (助行 居家改造 探访慰藉 …; reference data) */
  category: string;
  /** the main beneficiary group (受益群体: 残疾人 老年人 …; reference data); statistics count by it */
  mainGroup?: string | null;
  /** other groups it serves, without the main one */
  otherGroups?: string[];
  estimatedFen: number;
  description: string;
  items: LineItem[];
  beneficiaryCount?: number | null;
  rules: ProgrammeRules;
  /** actor id of the creator */
  createdBy: string;
  /** the service-library entry it started from, as it stood then (project.rules.library.ts); absent otherwise */
  library?: LibraryFacts;
}

/**
 * SCREEN_PASS: the positive area the proposal falls under, a "no" (false) for each negative item
 * of the rules version, and no duplicate. Version 1 and 2 histories hold the old yes/no shape
 * (`LegacyChecklist`).
 */
export interface Checklist {
  positiveArea: string;
  negativeItems: Record<string, boolean>;
  duplicate: boolean;
}

/** The checklist before the lists were data: three unnamed yes/no answers. */
export interface LegacyChecklist {
  positiveList: boolean;
  negativeList: boolean;
  duplicate: boolean;
}

/** One public notice (公示) as held: which, from when, until when (ISO UTC, end by working days). */
export interface NoticeRecord {
  kind: NoticeKind;
  startedAt: string;
  endsAt: string;
}

export interface DeliberationRecord extends Votes {
  minutes: string;
  /** QUORUM_NOT_MET / MAJORITY_NOT_MET; empty when the proposal carried */
  failures: Reason[];
  at: string;
}

/** How an objection that staff record reached them (an objection sent on the page or the API has none). */
export const OBJECTION_CHANNELS = ['paper', 'phone', 'visit'] as const;
export type ObjectionChannel = (typeof OBJECTION_CHANNELS)[number];

export interface Objection {
  id: string;
  /** set when staff recorded it on a resident's behalf (version 3) */
  receivedVia?: ObjectionChannel;
  recordedBy?: string;
  /** the notice it was lodged in (absent in version 1 and 2 histories: the proposal notice) */
  notice?: NoticeKind;
  text: string;
  contact: string | null;
  at: string;
  status: 'open' | 'upheld' | 'dismissed';
  response: string | null;
}

export interface Quote {
  vendorId: string;
  amountFen: number;
  items: LineItem[] | null;
  validUntil: string;
  at: string;
}

export interface ProcurementRecord {
  method: ProcurementMethod;
  /** 1 for the first invitation round; DECLARE_FAILED (流标) starts another */
  round: number;
  invitations: string[];
  deadline: string | null;
  /** Sealed: the read model must hide amounts from everyone but the quoting vendor while quoting. */
  quotes: Record<string, Quote>;
  failures: Array<{ round: number; reason: string; at: string }>;
}

export interface Award {
  vendorId: string;
  amountFen: number;
  justification: string;
  direct: boolean;
  at: string;
}

export interface DeliveryRecord {
  quantity: number;
  serials: string[];
  beneficiaryRef: string | null;
  evidence: string[];
  at: string;
}

/** A refusal of part of an item (拒收, version 3): that part goes back to the vendor to deliver again. */
export interface DisputeRecord {
  quantity: number;
  serials: string[];
  reason: string;
  at: string;
}

export interface ContractItem extends LineItem {
  id: string;
  /** delivered and not refused (a refusal takes its quantity back off) */
  deliveredQty: number;
  /** confirmed on the beneficiaries' behalf; never goes down */
  confirmedQty: number;
  /** refused in all, over every refusal */
  disputedQty: number;
  confirmedSerials: string[];
  returnedSerials: string[];
  /** confirmedQty = quantity */
  confirmed: boolean;
  /** the last thing that happened to the item was a refusal */
  disputed: boolean;
  disputeReason: string | null;
  deliveries: DeliveryRecord[];
  disputes: DisputeRecord[];
}

export interface Contract {
  contractNo: string;
  amountFen: number;
  dueOn: string;
  /** end of `dueOn` in Asia/Shanghai as UTC ISO, set by enrich on CONFIRM_CONTRACT */
  dueAt: string | null;
  items: ContractItem[];
  signedAt: string;
  confirmedAt: string | null;
}

export interface Payment {
  tranche: Tranche;
  amountFen: number;
  voucherNo: string;
  at: string;
}

export interface Signatory {
  role: string;
  name: string;
}

export interface AcceptanceRecord {
  passed: boolean;
  satisfactionPct: number;
  /**
   * How the figure was found (project.ratings.ts): the residents' ratings as tallied, or a paper
   * survey's `satisfied` of `surveyed`. Absent where it was entered as a percentage (every
   * acceptance recorded before the ratings).
   */
  satisfaction?: { method: 'ratings' | 'paper'; satisfied: number; surveyed: number; stars?: [number, number, number, number, number] };
  signatories: Signatory[];
  defects: string | null;
  /** true when the project went on to settlement */
  accepted: boolean;
  at: string;
}

export interface EvaluationRecord {
  score: number;
  grade: string;
  notes: string;
  at: string;
}

export interface Decision {
  type: string;
  reason: string;
  actorId: string;
  stage: Stage;
  at: string;
}

/** The input, kept whole (with `beneficiaryCount` always present), plus what the lifecycle adds. */
export interface ProjectContext extends Omit<ProjectInput, 'beneficiaryCount' | 'budgetYear' | 'mainGroup' | 'otherGroups'> {
  beneficiaryCount: number | null;
  budgetYear: number;
  mainGroup: string | null;
  otherGroups: string[];

  /** mirrors the state value (dotted); lets `authorize` tell RETURN at street_review from RETURN at screening */
  stage: Stage;
  /** event type → id of the actor who last sent it (four-eyes) */
  actors: Record<string, string>;
  checklist: Checklist | LegacyChecklist | null;
  /** the last meeting of the residents' council */
  deliberation: DeliberationRecord | null;
  /** every meeting, void ones (no quorum) included, in order */
  meetings: DeliberationRecord[];
  /** end of the current (or last) notice */
  noticeEndsAt: string | null;
  /** every notice held, in order; the last is the current one while in a notice state */
  notices: NoticeRecord[];
  objections: Objection[];
  reviewReminderAt: string | null;
  reviewEscalationAt: string | null;
  approvedFen: number | null;
  procurement: ProcurementRecord | null;
  award: Award | null;
  awardedFen: number | null;
  contract: Contract | null;
  payments: Payment[];
  paidFen: number;
  paidByTranche: Record<Tranche, number>;
  acceptances: AcceptanceRecord[];
  rectifications: Array<{ evidence: string[]; at: string }>;
  evaluation: EvaluationRecord | null;
  warrantyEndsAt: string | null;
  warrantyEnded: boolean;
  /** RETURN / REJECT / WITHDRAW / CANCEL / UPHOLD_OBJECTION / DISMISS_OBJECTIONS / DECLARE_FAILED, in order */
  decisions: Decision[];
  commentCount: number;
}

/** Hooks accept the context or a snapshot carrying it (the engine passes snapshots). */
export type ContextSource = ProjectContext | { context: ProjectContext };

export function contextOf(source: ContextSource): ProjectContext {
  return 'context' in source && typeof source.context === 'object' && 'stage' in (source.context as object)
    ? (source as { context: ProjectContext }).context
    : (source as ProjectContext);
}
