// The part of the Open Contracting Data Standard 1.1.5 release (and release package) that weishishi
// publishes. Field names and closed codelists as the standard's release-schema.json has them;
// optional fields are left out rather than set to null.

/** Closed codelists (codelists/*.csv of OCDS 1.1.5): the schema refuses any other value. */
export const RELEASE_TAGS = ['planning', 'tender', 'award', 'contract', 'implementation'] as const;
export type ReleaseTag = (typeof RELEASE_TAGS)[number];
export type TenderStatus = 'planning' | 'planned' | 'active' | 'cancelled' | 'unsuccessful' | 'complete' | 'withdrawn';
export type ProcurementMethodCode = 'open' | 'selective' | 'limited' | 'direct';
export type AwardStatus = 'pending' | 'active' | 'cancelled' | 'unsuccessful';
export type ContractStatus = 'pending' | 'active' | 'cancelled' | 'terminated';
export type MilestoneStatus = 'scheduled' | 'met' | 'notMet' | 'partiallyMet';
/** Open codelists: the values used here all come from the standard's list. */
export type MilestoneType = 'preProcurement' | 'approval' | 'engagement' | 'assessment' | 'delivery' | 'reporting' | 'financing' | 'payment';
export type PartyRole = 'buyer' | 'procuringEntity' | 'supplier' | 'tenderer' | 'funder' | 'payer' | 'payee';

export interface OcdsValue {
  amount: number;
  currency: 'CNY';
}

export interface OcdsPeriod {
  startDate?: string;
  endDate?: string;
}

export interface OcdsAddress {
  locality?: string;
  region?: string;
  countryName?: string;
}

export interface OcdsOrganizationReference {
  id: string;
  name: string;
}

export interface OcdsOrganization extends OcdsOrganizationReference {
  address?: OcdsAddress;
  roles: PartyRole[];
}

export interface OcdsMilestone {
  id: string;
  title: string;
  type: MilestoneType;
  code?: string;
  description?: string;
  dueDate?: string;
  dateMet?: string;
  status: MilestoneStatus;
}

export interface OcdsItem {
  id: string;
  description: string;
  quantity: number;
  unit?: { value: OcdsValue };
}

export interface OcdsBudget {
  id: string;
  description: string;
  amount: OcdsValue;
  project: string;
  projectID: string;
}

export interface OcdsPlanning {
  rationale?: string;
  budget: OcdsBudget;
  milestones: OcdsMilestone[];
}

export interface OcdsTender {
  id: string;
  title: string;
  description?: string;
  status: TenderStatus;
  procuringEntity: OcdsOrganizationReference;
  items: OcdsItem[];
  value: OcdsValue;
  procurementMethod?: ProcurementMethodCode;
  procurementMethodDetails?: string;
  procurementMethodRationale?: string;
  mainProcurementCategory: 'goods' | 'works' | 'services';
  tenderPeriod?: OcdsPeriod;
  numberOfTenderers?: number;
  tenderers?: OcdsOrganizationReference[];
}

export interface OcdsAward {
  id: string;
  title: string;
  description?: string;
  status: AwardStatus;
  date: string;
  value: OcdsValue;
  suppliers: OcdsOrganizationReference[];
}

export interface OcdsTransaction {
  id: string;
  date: string;
  value: OcdsValue;
  payer: OcdsOrganizationReference;
  payee: OcdsOrganizationReference;
}

export interface OcdsContract {
  id: string;
  awardID: string;
  title: string;
  status: ContractStatus;
  period?: OcdsPeriod;
  value: OcdsValue;
  items: OcdsItem[];
  dateSigned?: string;
  implementation?: { milestones: OcdsMilestone[]; transactions: OcdsTransaction[] };
}

export interface OcdsRelease {
  ocid: string;
  id: string;
  date: string;
  tag: ReleaseTag[];
  initiationType: 'tender';
  language: 'zh';
  parties: OcdsOrganization[];
  buyer: OcdsOrganizationReference;
  planning: OcdsPlanning;
  tender: OcdsTender;
  awards?: OcdsAward[];
  contracts?: OcdsContract[];
}

export interface OcdsPublisher {
  name: string;
}

export interface OcdsReleasePackage {
  uri: string;
  version: '1.1';
  publishedDate: string;
  publisher: OcdsPublisher;
  releases: OcdsRelease[];
}
