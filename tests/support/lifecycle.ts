// Drives projects through the lifecycle via the JSON API (/api/v1), as the demo users, and checks
// the budget ledger. Every step asserts its own status, so a test fails at the step that broke.
import { auditProjectLedgers } from '../../src/projects/project-audit.js';
import type { Allocation } from '../../src/budgets/ledger.js';
import { expect } from 'vitest';
import type { Response } from 'supertest';
import type { TestApp } from './app.js';

export const DAY_MS = 86_400_000;

export const U = {
  c1: 'community1@example.org',
  c2: 'community2@example.org',
  c3: 'community3@example.org',
  street: 'street@example.org',
  district: 'district@example.org',
  district2: 'district2@example.org',
  finance: 'finance@example.org',
  v1: 'vendor1@example.org',
  v2: 'vendor2@example.org',
  v3: 'vendor3@example.org',
  admin: 'admin@example.org',
} as const;

export const VENDORS = { kangfu: 'vd-kangfu', anju: 'vd-anju', xinyuan: 'vd-xinyuan' } as const;
export const VENDOR_USER: Record<string, string> = { 'vd-kangfu': U.v1, 'vd-anju': U.v2, 'vd-xinyuan': U.v3 };

/** SCREEN_PASS under the default rules: a positive area, a no for each negative item (Zhuhai 2021), no duplicate. */
export const GOOD_CHECKLIST = { positiveArea: 'mutual_help', negativeItems: { property_management: false, duplicate_government: false }, duplicate: false };

export interface NewProject {
  title: string;
  type: 'goods' | 'works' | 'services';
  /** the kind of help (助行 居家改造 …) */
  category: string;
  estimatedFen: number;
  description: string;
  items: Array<{ name: string; quantity: number; unitFen: number }>;
  beneficiaryCount?: number;
  budgetYear?: number;
  /** the main beneficiary group (残疾人 老年人 …); required by the API, so the helpers give one */
  mainGroup?: string;
  otherGroups?: string[];
}

export function goodsProject(over: Partial<NewProject> = {}): NewProject {
  return {
    title: '爬楼机配置', type: 'goods', category: '助行', mainGroup: '残疾人', estimatedFen: 3_600_000,
    description: '为无电梯高层住户配置履带式爬楼机两台。',
    items: [{ name: '履带式爬楼机', quantity: 2, unitFen: 1_800_000 }], beneficiaryCount: 2,
    ...over,
  };
}

export function worksProject(over: Partial<NewProject> = {}): NewProject {
  return {
    title: '居家适老化改造', type: 'works', category: '居家改造', mainGroup: '残疾人', estimatedFen: 6_000_000,
    description: '为3户困难残疾人家庭安装扶手、防滑地面与坡道。',
    items: [{ name: '居家适老化改造（每户）', quantity: 3, unitFen: 2_000_000 }], beneficiaryCount: 3,
    ...over,
  };
}

/** The Asia/Shanghai date `days` after the clock's now. */
export function shanghaiDay(app: TestApp, days = 0): string {
  return new Date(app.clock.now().getTime() + days * DAY_MS + 8 * 3_600_000).toISOString().slice(0, 10);
}

export function api(app: TestApp) {
  const auth = async (email: string | null) => (email ? { Authorization: `Bearer ${await app.token(email)}` } : {});
  const self = {
    async get(email: string | null, path: string, headers: Record<string, string> = {}): Promise<Response> {
      return app.http.get(`/api/v1${path}`).set({ ...(await auth(email)), ...headers });
    },
    /** Uploads one file through POST /api/v1/documents (a pending document of the caller); its id. */
    async upload(email: string, name: string, text = name): Promise<string> {
      const bytes = Buffer.from(`%PDF-1.4\n% ${text} ${Math.random()}\n%%EOF\n`, 'latin1');
      const res = await app.http.post('/api/v1/documents').set(await auth(email)).attach('file', bytes, { filename: name, contentType: 'application/pdf' });
      if (res.status !== 201) throw new Error(`upload by ${email} failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.documents[0].id as string;
    },
    async post(email: string | null, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
      return app.http.post(`/api/v1${path}`).set({ ...(await auth(email)), ...headers }).send(body as object);
    },
    /** Sends a lifecycle event; returns the raw response (no status check). */
    async send(email: string | null, id: string, type: string, payload: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Response> {
      return self.post(email, `/projects/${id}/events`, { type, ...payload }, headers);
    },
    /** Sends an event that must succeed; returns the project as the sender sees it. */
    async ok(email: string | null, id: string, type: string, payload: Record<string, unknown> = {}) {
      const res = await self.send(email, id, type, payload);
      if (res.status !== 200) throw new Error(`${type} by ${email ?? 'anonymous'} → ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.project as Project;
    },
    async project(email: string, id: string): Promise<Project> {
      const res = await self.get(email, `/projects/${id}`);
      if (res.status !== 200) throw new Error(`GET /projects/${id} as ${email} → ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.project as Project;
    },
    async create(email: string, body: NewProject): Promise<Project> {
      const res = await self.post(email, '/projects', body);
      if (res.status !== 201) throw new Error(`POST /projects → ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.project as Project;
    },
    /** Moves the sandbox clock (as admin) and lets every timer that fell due fire. */
    async advance(ms: number): Promise<{ now: string; fired: number }> {
      const res = await self.post(U.admin, '/_clock', { advanceMs: ms });
      if (res.status !== 200) throw new Error(`POST /_clock → ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
  };
  return self;
}
export type Api = ReturnType<typeof api>;

// A loose view of GET /projects/:id, enough for the tests.
export interface Project {
  id: string;
  ref: string;
  state: string;
  version: number;
  year: number;
  communityId: string;
  estimatedFen: number;
  approvedFen: number | null;
  awardedFen: number | null;
  paidFen: number;
  vendorId: string | null;
  procurement: null | { method: string; invitations: string[]; deadline: string | null; quotes: Array<{ vendorId: string; sealed: boolean; amountFen?: number }> };
  contract: null | { contractNo: string; amountFen: number; items: Array<{ id: string; name: string; quantity: number; unitFen: number; delivered: number; confirmed: boolean; deliveries: Array<{ beneficiaryRef: string | null }> }> };
  objections: Array<{ id: string; notice?: string; text: string; contact: string | null; status: string }>;
  acceptances: Array<{ signatories: Array<{ role: string; name: string }>; accepted: boolean }>;
  deadlines: Record<string, string | null>;
  allowedEvents: Array<{ type: string; allowed: boolean; reasons: Array<{ code: string }> }>;
  [k: string]: unknown;
}

/** An allocation as GET /api/v1/allocations answers it. */
export type AllocationView = Allocation;

/**
 * The ledger invariant through the API (allocated = available + reserved + committed + spent, each
 * ≥ 0) for every allocation the district sees, and the same sums rebuilt from the per-project ledger
 * and from the entry rows, so a movement recorded in one place only is caught.
 */
export async function expectLedgerBalanced(app: TestApp): Promise<AllocationView[]> {
  const res = await api(app).get(U.district, '/allocations');
  expect(res.status).toBe(200);
  const allocations = res.body.allocations as AllocationView[];
  expect(allocations.length).toBeGreaterThan(0);
  const db = app.deps.db;
  for (const a of allocations) {
    const where = `${a.communityId}/${a.year}`;
    expect(a.allocatedFen, where).toBe(a.availableFen + a.reservedFen + a.committedFen + a.spentFen);
    for (const k of ['availableFen', 'reservedFen', 'committedFen', 'spentFen'] as const) expect(a[k], `${where} ${k}`).toBeGreaterThanOrEqual(0);
    const per = await db('project_ledger')
      .join('projects', 'projects.id', 'project_ledger.project_id')
      .where({ 'projects.community_id': a.communityId, 'projects.budget_year': a.year })
      .select('project_ledger.reserved_fen', 'project_ledger.committed_fen', 'project_ledger.spent_fen');
    const sum = (k: string) => per.reduce((s, r) => s + Number(r[k]), 0);
    expect({ reserved: a.reservedFen, committed: a.committedFen, spent: a.spentFen }, `${where} vs project_ledger`).toEqual({
      reserved: sum('reserved_fen'), committed: sum('committed_fen'), spent: sum('spent_fen'),
    });
    const entries = await app.deps.services.ledger.entries({ communityId: a.communityId, year: a.year });
    const kind = (k: string) => entries.filter((e) => e.kind === k).reduce((s, e) => s + e.fen, 0);
    // reserve moves available → reserved; commit moves reserved → committed (and logs the rest as a
    // release); release sends reserved or committed money back; spend moves committed → spent;
    // allocate records the new allocated total.
    expect(kind('reserve') - kind('release') - kind('spend'), `${where} entries: reserved + committed`).toBe(a.reservedFen + a.committedFen);
    const allocs = entries.filter((e) => e.kind === 'allocate');
    expect(allocs.at(-1)?.fen, `${where} last allocate entry`).toBe(a.allocatedFen);
    expect(kind('spend'), `${where} spent entries`).toBe(a.spentFen);
  }
  // The ledger's own audit (what `weishishi verify` runs) agrees with the rebuild above, and each
  // project holds what its own history says.
  expect(await app.deps.services.ledger.audit()).toEqual([]);
  expect(await auditProjectLedgers(app.deps.db)).toEqual([]);
  return allocations;
}

export async function allocation(app: TestApp, communityId: string, year: number): Promise<AllocationView> {
  const all = await expectLedgerBalanced(app);
  const a = all.find((x) => x.communityId === communityId && x.year === year);
  if (!a) throw new Error(`no allocation ${communityId}/${year}`);
  return a;
}

export const DELIBERATION_OK = { members: 9, present: 7, for: 6, against: 1, abstain: 0, minutes: '居民议事会会议纪要：同意立项。' };

/** draft → street_review: SUBMIT (c1), SCREEN_PASS (c2), a passing vote (c1), the notice period passed. */
export async function toStreetReview(app: TestApp, id: string): Promise<Project> {
  const a = api(app);
  await a.ok(U.c1, id, 'SUBMIT');
  await a.ok(U.c2, id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
  const p = await a.ok(U.c1, id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(app) });
  expect(p.state).toBe('public_notice');
  await passNotice(app, p);
  const after = await a.project(U.c1, id);
  expect(after.state).toBe('street_review');
  return after;
}

/** Moves the clock past the project's notice end (the NOTICE_ENDED timer fires). */
export async function passNotice(app: TestApp, p: Project): Promise<void> {
  const end = Date.parse(String(p.deadlines.noticeEndsAt));
  expect(end).toBeGreaterThan(app.clock.now().getTime());
  await api(app).advance(end - app.clock.now().getTime() + 60_000);
}

/** draft → budget_approval. */
export async function toBudgetApproval(app: TestApp, id: string): Promise<Project> {
  await toStreetReview(app, id);
  return api(app).ok(U.street, id, 'APPROVE');
}

/** draft → procurement.preparing with the given approved amount (district approves). */
export async function toPreparing(app: TestApp, id: string, approvedFen?: number): Promise<Project> {
  const p = await toBudgetApproval(app, id);
  const approved = await api(app).ok(U.district, id, 'APPROVE_BUDGET', { approvedFen: approvedFen ?? p.estimatedFen });
  return passNoticeIfHeld(app, approved);
}

/**
 * Past a public notice the rules hold after budget approval (项目确定公示) or acceptance
 * (验收结果公示), without objections; the project as it is after.
 */
export async function passNoticeIfHeld(app: TestApp, p: Project): Promise<Project> {
  if (p.state !== 'confirmation_notice' && p.state !== 'acceptance_notice') return p;
  await passNotice(app, p);
  return api(app).project(U.c1, p.id);
}

/** acceptance → settlement (or on to evaluation when nothing is left to pay): a passing acceptance by `by`, then its notice. */
export async function accept(app: TestApp, id: string, signatories = SIGNATORIES, by: string = U.c2): Promise<Project> {
  const p = await api(app).ok(by, id, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: 95, signatories });
  return passNoticeIfHeld(app, p);
}

/** preparing → quoting: invites the vendors with a deadline `days` from now. */
export async function invite(app: TestApp, id: string, vendorIds: string[], days = 7): Promise<Project> {
  return api(app).ok(U.c1, id, 'INVITE', { vendorIds, deadline: new Date(app.clock.now().getTime() + days * DAY_MS).toISOString() });
}

/** Moves the clock past the quote deadline (QUOTE_DEADLINE_PASSED fires). */
export async function passQuoteDeadline(app: TestApp, p: Project): Promise<void> {
  const end = Date.parse(String(p.procurement?.deadline));
  await api(app).advance(Math.max(0, end - app.clock.now().getTime()) + 60_000);
}

/** A direct (< ¥50,000) project to procurement.contracting, awarded to `vendorId` at `amountFen`. */
export async function toContracting(app: TestApp, id: string, vendorId: string, amountFen: number): Promise<Project> {
  await toPreparing(app, id);
  return api(app).ok(U.c1, id, 'AWARD', { vendorId, amountFen, justification: '单一来源直接采购，价格合理。' });
}

/** contracting → delivery with one contract line equal to the award. */
export async function toDelivery(app: TestApp, id: string, vendorId: string, items: Array<{ name: string; quantity: number; unitFen: number }>): Promise<Project> {
  const a = api(app);
  const amountFen = items.reduce((s, i) => s + i.quantity * i.unitFen, 0);
  await toContracting(app, id, vendorId, amountFen);
  await a.ok(U.c1, id, 'SIGN_CONTRACT', { contractNo: `HT-${id.slice(0, 8)}`, items, amountFen, dueOn: shanghaiDay(app, 30) });
  return a.ok(VENDOR_USER[vendorId]!, id, 'CONFIRM_CONTRACT');
}

/** delivery → acceptance: every item delivered in full by the vendor and confirmed by c2. */
export async function deliverAll(app: TestApp, id: string, vendorId: string): Promise<Project> {
  const a = api(app);
  const p = await a.project(U.c1, id);
  for (const item of p.contract!.items) {
    await a.ok(VENDOR_USER[vendorId]!, id, 'RECORD_DELIVERY', { itemId: item.id, quantity: item.quantity, evidence: [await a.upload(VENDOR_USER[vendorId]!, `photo-${item.id}.pdf`)] });
    await a.ok(U.c2, id, 'CONFIRM_RECEIPT', { itemId: item.id, quantity: item.quantity });
  }
  return a.ok(VENDOR_USER[vendorId]!, id, 'REQUEST_ACCEPTANCE');
}

export const SIGNATORIES = [
  { role: 'community', name: '王强' },
  { role: 'residents_rep', name: '陈大文' },
  { role: 'beneficiary', name: '黄秀英' },
];
export const WORKS_SIGNATORIES = [...SIGNATORIES, { role: 'supervisor', name: '郑监理' }];

export function reasonCodes(res: Response): string[] {
  return ((res.body?.error?.reasons ?? []) as Array<{ code: string }>).map((r) => r.code);
}

/** Asserts an error answer: status, code, and (when given) that `reason` is among its reasons. */
export function expectRefused(res: Response, status: number, code: string, reason?: string): void {
  const req = (res as unknown as { req?: { method?: string; path?: string } }).req;
  const where = `${req?.method} ${req?.path} → ${res.status} ${JSON.stringify(res.body)}`;
  expect(res.status, where).toBe(status);
  expect(res.body?.error?.code, where).toBe(code);
  expect(typeof res.body?.error?.message, where).toBe('string');
  expect(res.body.error.message.length, where).toBeGreaterThan(0);
  if (reason !== undefined) {
    expect(reasonCodes(res), where).toContain(reason);
    const r = (res.body.error.reasons as Array<{ code: string; message: string }>).find((x) => x.code === reason)!;
    expect(typeof r.message, where).toBe('string');
    // A sentence, not the bare code.
    expect(r.message, where).not.toBe(reason);
  }
  for (const [field, message] of Object.entries((res.body.error.fields ?? {}) as Record<string, string>)) {
    expect(message, `${where}: field ${field} has no translated message`).not.toMatch(/^validation\./);
  }
}

/** Events every party holds as rights (ARCHITECTURE §4): never a task, never a reason to be in an inbox. */
const RIGHT_EVENTS = new Set(['COMMENT', 'CANCEL', 'OBJECT']);

/**
 * The inbox rule, on the real database, for every demo user and each of these projects: the project
 * is in the user's inbox exactly when the user may send an event other than a right (what the API's
 * `allowedEvents` says on the engine's clock). The inbox reads the engine's stored "waiting for";
 * the API explains from the snapshot: two paths that must agree.
 */
export async function expectInboxMatchesAllowed(app: TestApp, projectIds: string[], where: string): Promise<void> {
  const { services } = app.deps;
  for (const email of Object.values(U)) {
    const user = (await services.users.findByEmail(email))!;
    const inbox = new Set((await services.inbox.page(user, 1)).tasks.map((x) => x.project.id));
    for (const id of projectIds) {
      const readable = await services.projects.readable(user, id).then(() => true, () => false);
      const tasks = readable
        ? (await services.projects.get(user, id)).allowedEvents.filter((e) => e.allowed && !RIGHT_EVENTS.has(e.type)).map((e) => e.type)
        : [];
      expect(inbox.has(id), `${where}: ${email} on ${id}, allowed ${tasks.join(',') || 'nothing'}`).toBe(tasks.length > 0);
    }
  }
}
