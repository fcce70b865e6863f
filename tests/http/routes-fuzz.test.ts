// Every route, found in the routers at test time, under random query strings and bodies: the answer
// is never a 5xx, and an invalid input answers 422 INVALID naming its fields, in the answer's
// language (issue 8 item 5). A route without a case in ROUTES fails the test, so a new route cannot
// be skipped silently.
import { assets } from '../../src/web/assets.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES, NOTIFY_TEMPLATES } from '../../workflows/project/index.js';
import { NEED_EVENT_TYPES } from '../../workflows/need/index.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, goodsProject, toPreparing, U } from '../support/lifecycle.js';
import { agentFor, csrfOf, type Agent } from './pages-helpers.js';

// ── the routes, as Express 5 holds them ──

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: unknown;
}

/** "METHOD /path" for every GET and POST route, through nested routers (app.use('/api/v1', …)). */
export function routesOf(stack: Layer[], prefix = ''): string[] {
  const out: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      for (const path of ([] as string[]).concat(layer.route.path)) {
        const full = path === '/' && prefix ? prefix : `${prefix}${path}`;
        for (const method of Object.keys(layer.route.methods)) if (method === 'get' || method === 'post') out.push(`${method.toUpperCase()} ${full}`);
      }
    } else if (layer.handle?.stack) {
      const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      out.push(...routesOf(layer.handle.stack, prefix + mount));
    }
  }
  return [...new Set(out)];
}

// ── who calls, and what fills the path ──

type Who = 'anon' | 'c1' | 'street' | 'district' | 'finance' | 'v1' | 'admin' | 'operator';
interface Case {
  /** The callers to try (pages: a signed-in session; API: a Bearer token; anon: neither). */
  as: Who[];
  /** A filler for every :param of the path. */
  params?: Record<string, fc.Arbitrary<string>>;
}

const garbage = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.constantFrom('x'.repeat(101), '0', '-1', '1e400', '99999999999999999999', '..', '%00', '<script>', "' OR 1=1 --", '中文', 'toString', '__proto__'),
);
/** Real ids most of the time (so the route goes past its 404), garbage otherwise. */
const real = (values: () => string[]) => fc.oneof({ weight: 3, arbitrary: fc.constant(null).chain(() => fc.constantFrom(...values())) }, { weight: 1, arbitrary: garbage });

const projects: string[] = [];
const spare: string[] = [];
const needs: string[] = [];
const needRefs: string[] = [];
const beneficiaries: string[] = [];
const campaigns: string[] = [];
const supplyPlans: string[] = [];
const ids = {
  project: real(() => projects),
  need: real(() => needs),
  needRef: real(() => needRefs),
  beneficiary: real(() => beneficiaries),
  campaign: real(() => campaigns),
  supplyPlan: real(() => supplyPlans),
  user: real(() => spare),
  street: real(() => ['st-gongbei', 'st-jida']),
  community: real(() => ['cm-lianhua', 'cm-yuehai', 'cm-haibin']),
  vendor: real(() => ['vd-kangfu', 'vd-anju', 'vd-xinyuan']),
  version: real(() => ['0', '1', '2']),
  date: real(() => ['2026-10-01', '2026-02-30', '2027-01-01']),
  mail: real(() => ['1', '2', '3']),
  template: real(() => [...NOTIFY_TEMPLATES]),
  event: fc.constantFrom(...EVENT_TYPES, 'NOPE', 'toString'),
  document: garbage,
};

const staff: Who[] = ['c1', 'street', 'district', 'finance', 'v1'];
const ROUTES: Record<string, Case> = {
  'GET /healthz': { as: ['anon'] },
  // static files by their content hash (src/web/assets.ts)
  'GET /static/:file': { as: ['anon'], params: { file: real(() => [...assets().byHashedName.keys(), ...assets().byName.keys()]) } },
  // the JSON API
  'POST /api/v1/auth/token': { as: ['anon'] },
  'GET /api/v1/me': { as: ['anon', 'c1'] },
  'POST /api/v1/projects/:id/events': { as: ['anon', 'c1', 'district', 'v1'], params: { id: ids.project } },
  'GET /api/v1/projects': { as: ['anon', ...staff] },
  'POST /api/v1/projects': { as: ['c1', 'district'] },
  'GET /api/v1/projects/:id': { as: staff, params: { id: ids.project } },
  'GET /api/v1/projects/:id/history': { as: staff, params: { id: ids.project } },
  // open data (OCDS), no token
  'GET /api/v1/projects/:id/ocds': { as: ['anon', 'c1'], params: { id: ids.project } },
  'GET /api/v1/projects/:id/ocds/record': { as: ['anon'], params: { id: ids.project } },
  'GET /api/v1/ocds/:year.json': { as: ['anon'], params: { year: real(() => ['2026', '2027', '1999']) } },
  'GET /api/v1/vendors': { as: ['c1'] },
  'GET /api/v1/communities': { as: ['c1'] },
  'GET /api/v1/streets': { as: ['c1'] },
  'GET /api/v1/categories': { as: ['c1'] },
  'GET /api/v1/allocations': { as: [...staff, 'admin'] },
  'GET /api/v1/reports/summary': { as: [...staff, 'admin'] },
  'GET /api/v1/reports/stuck': { as: [...staff, 'admin'] },
  // exports (CSV with a BOM, streamed .xlsx)
  'GET /api/v1/projects/export.csv': { as: ['anon', ...staff] },
  'GET /api/v1/projects/export.xlsx': { as: ['c1', 'district'] },
  'GET /api/v1/ledger/export.csv': { as: ['c1', 'district', 'finance', 'street'] },
  'GET /api/v1/ledger/export.xlsx': { as: ['district'] },
  'GET /api/v1/reports/summary.csv': { as: [...staff, 'admin'] },
  'GET /api/v1/reports/summary.xlsx': { as: ['district'] },
  'POST /api/v1/beneficiaries': { as: ['c1', 'street'] },
  'POST /api/v1/documents': { as: ['v1', 'c1'] },
  'GET /api/v1/beneficiaries': { as: [...staff, 'admin'] },
  'POST /api/v1/_clock': { as: ['admin', 'district'] },
  // pages
  'GET /': { as: ['anon', 'c1'] },
  'GET /login': { as: ['anon'] },
  'POST /login': { as: ['anon'] },
  'POST /logout': { as: ['anon'] },
  'GET /projects': { as: staff },
  'GET /projects/new': { as: ['c1'] },
  'POST /projects/new': { as: ['c1'] },
  'GET /projects/:id': { as: staff, params: { id: ids.project } },
  'GET /projects/:id/file': { as: [...staff, 'admin'], params: { id: ids.project } },
  'GET /projects/:id/file.zip': { as: ['c1', 'district', 'v1'], params: { id: ids.project } },
  // residents' ratings (issue 14 item 4): staff pages, the printed sheets, the public rating pages
  'GET /projects/:id/ratings': { as: [...staff, 'admin'], params: { id: ids.project } },
  'POST /projects/:id/ratings/sheets': { as: ['c1', 'district'], params: { id: ids.project } },
  'GET /r': { as: ['anon'] },
  'GET /r/thanks': { as: ['anon'] },
  'GET /r/:code': { as: ['anon'], params: { code: garbage } },
  'POST /r/:code': { as: ['anon'], params: { code: garbage } },
  'GET /projects/export.csv': { as: staff },
  'GET /projects/export.xlsx': { as: ['c1', 'district'] },
  'GET /ledger/export.csv': { as: ['c1', 'district', 'finance', 'street'] },
  'GET /ledger/export.xlsx': { as: ['district'] },
  'GET /reports/export.csv': { as: [...staff, 'admin'] },
  'GET /reports/export.xlsx': { as: ['district'] },
  'GET /public/stats/export.csv': { as: ['anon'] },
  'GET /public/stats/export.xlsx': { as: ['anon'] },
  'POST /projects/:id/events/:type': { as: ['c1', 'district', 'v1'], params: { id: ids.project, type: ids.event } },
  'GET /vendor': { as: ['v1'] },
  'GET /vendor/record': { as: ['v1'] },
  'POST /vendor/record': { as: ['v1'] },
  'GET /admin/vendor-changes': { as: ['admin'] },
  'POST /admin/vendor-changes/:id': { as: ['admin'], params: { id: garbage } },
  'GET /admin/vendors/:id/record': { as: ['admin'], params: { id: ids.vendor } },
  'POST /admin/vendors/:id/violations': { as: ['admin'], params: { id: ids.vendor } },
  // the service-project library (issue 14 item 3)
  'GET /api/v1/library': { as: ['anon', 'c1', 'v1'] },
  // vendors' performance records and the district's suspensions (issue 14 item 2)
  'GET /api/v1/vendors/:id/record': { as: ['c1', 'district', 'v1'], params: { id: ids.vendor } },
  'POST /api/v1/vendors/:id/events': { as: ['district', 'admin'], params: { id: ids.vendor } },
  'GET /vendors': { as: ['district', 'street', 'admin', 'c1'] },
  'GET /vendors/:id': { as: ['district', 'v1', 'c1'], params: { id: ids.vendor } },
  'GET /vendor/performance': { as: ['v1', 'c1'] },
  'POST /vendors/:id/status': { as: ['district', 'admin'], params: { id: ids.vendor } },
  'GET /api/v1/library/:id': { as: ['c1'], params: { id: real(() => ['lib-visit', 'lib-meals', 'lib-rehab']) } },
  // needs (issue 15 item 2): the public may record one without a token
  'POST /api/v1/needs': { as: ['anon', 'c1', 'street'] },
  'GET /api/v1/needs': { as: ['c1', 'street', 'district', 'v1'] },
  'GET /api/v1/needs/:id': { as: ['c1', 'district'], params: { id: ids.need } },
  'GET /api/v1/needs/:id/history': { as: ['c1', 'street'], params: { id: ids.need } },
  'POST /api/v1/needs/:id/events': { as: ['c1', 'street'], params: { id: ids.need } },
  // the public need form and Open311 GeoReport v2 (issue 15 items 2 and 6)
  'GET /report-need': { as: ['anon', 'c1'] },
  'POST /report-need': { as: ['anon'] },
  'GET /report-need/:ref': { as: ['anon'], params: { ref: ids.needRef } },
  'GET /report-need/:ref/thanks': { as: ['anon'], params: { ref: ids.needRef } },
  'GET /open311/v2/services.json': { as: ['anon'] },
  'GET /open311/v2/requests.json': { as: ['anon'] },
  'POST /open311/v2/requests.json': { as: ['anon'] },
  'GET /open311/v2/requests/:id.json': { as: ['anon'], params: { id: ids.needRef } },
  'GET /projects/library': { as: ['c1', 'district'] },
  // the need pages (issue 15 item 2)
  'GET /needs': { as: ['c1', 'street', 'district', 'v1'] },
  'GET /needs/new': { as: ['c1', 'street'] },
  'POST /needs/new': { as: ['c1', 'street'] },
  'GET /needs/:id': { as: ['c1', 'street', 'district', 'v1'], params: { id: ids.need } },
  'POST /needs/:id/events/:type': { as: ['c1', 'street', 'district'], params: { id: ids.need, type: fc.constantFrom(...NEED_EVENT_TYPES, 'NOPE', 'toString') } },
  // the beneficiary register's pages (issue 15 item 1)
  'GET /beneficiaries': { as: ['c1', 'street', 'district', 'v1'] },
  'GET /campaigns': { as: ['c1', 'street', 'district', 'operator', 'v1'] },
  'GET /campaigns/new': { as: ['c1', 'district', 'operator'] },
  'POST /campaigns/new': { as: ['c1', 'street', 'operator'] },
  'GET /campaigns/:id': { as: ['c1', 'street', 'operator'], params: { id: ids.campaign } },
  'GET /campaigns/:id/edit': { as: ['c1', 'street', 'operator'], params: { id: ids.campaign } },
  'POST /campaigns/:id/edit': { as: ['c1', 'street', 'operator'], params: { id: ids.campaign } },
  'GET /campaigns/:id/calls': { as: ['operator', 'c1'], params: { id: ids.campaign } },
  'GET /campaigns/:id/calls/:beneficiaryId': { as: ['operator', 'c1'], params: { id: ids.campaign, beneficiaryId: ids.beneficiary } },
  'POST /campaigns/:id/calls/:beneficiaryId': { as: ['operator', 'c1'], params: { id: ids.campaign, beneficiaryId: ids.beneficiary } },
  'GET /api/v1/campaigns': { as: ['anon', 'c1', 'operator', 'v1'] },
  'POST /api/v1/campaigns': { as: ['c1', 'district', 'operator'] },
  'GET /api/v1/campaigns/:id/calls': { as: ['c1', 'operator', 'v1'], params: { id: ids.campaign } },
  'POST /api/v1/campaigns/:id/calls': { as: ['c1', 'operator'], params: { id: ids.campaign } },
  // emergency supplies of a campaign (issue 15 item 5)
  'GET /campaigns/:id/supplies': { as: ['c1', 'street', 'operator', 'v1'], params: { id: ids.campaign } },
  'GET /campaigns/:id/supplies/new': { as: ['c1', 'district', 'operator'], params: { id: ids.campaign } },
  'POST /campaigns/:id/supplies/new': { as: ['c1', 'street', 'operator'], params: { id: ids.campaign } },
  'GET /campaigns/:id/supplies/:planId': { as: ['c1', 'street', 'district', 'operator'], params: { id: ids.campaign, planId: ids.supplyPlan } },
  'POST /campaigns/:id/supplies/:planId/deliveries': { as: ['c1', 'street', 'operator'], params: { id: ids.campaign, planId: ids.supplyPlan } },
  'GET /campaigns/:id/supplies/:planId/export.csv': { as: ['c1', 'district', 'v1'], params: { id: ids.campaign, planId: ids.supplyPlan } },
  'GET /campaigns/:id/supplies/:planId/export.xlsx': { as: ['c1', 'street'], params: { id: ids.campaign, planId: ids.supplyPlan } },
  'GET /api/v1/campaigns/:id/supplies': { as: ['c1', 'operator', 'v1'], params: { id: ids.campaign } },
  'POST /api/v1/campaigns/:id/supplies': { as: ['c1', 'district', 'operator'], params: { id: ids.campaign } },
  'GET /api/v1/campaigns/:id/supplies/:planId/deliveries': { as: ['c1', 'street', 'v1'], params: { id: ids.campaign, planId: ids.supplyPlan } },
  'POST /api/v1/campaigns/:id/supplies/:planId/deliveries': { as: ['c1', 'district', 'operator'], params: { id: ids.campaign, planId: ids.supplyPlan } },
  'GET /api/v1/campaigns/:id/supplies/:planId/totals': { as: ['c1', 'district', 'operator'], params: { id: ids.campaign, planId: ids.supplyPlan } },
  // a campaign's report (issue 15 item 4): staff in scope; operators and vendors 403
  'GET /campaigns/:id/report': { as: ['c1', 'street', 'operator', 'v1'], params: { id: ids.campaign } },
  'GET /campaigns/:id/report.csv': { as: ['c1', 'district', 'operator'], params: { id: ids.campaign } },
  'GET /campaigns/:id/report.xlsx': { as: ['c1', 'street'], params: { id: ids.campaign } },
  'GET /api/v1/campaigns/:id/report': { as: ['anon', 'c1', 'operator', 'v1'], params: { id: ids.campaign } },
  'GET /beneficiaries/new': { as: ['c1', 'street'] },
  'POST /beneficiaries/new': { as: ['c1', 'district'] },
  'GET /beneficiaries/import': { as: ['c1', 'district'] },
  'GET /beneficiaries/import/template.xlsx': { as: ['c1'] },
  'POST /beneficiaries/import': { as: ['c1', 'street'] },
  'GET /beneficiaries/:id': { as: ['c1', 'street', 'district'], params: { id: ids.beneficiary } },
  'GET /beneficiaries/:id/edit': { as: ['c1', 'street'], params: { id: ids.beneficiary } },
  'POST /beneficiaries/:id/edit': { as: ['c1', 'street'], params: { id: ids.beneficiary } },
  'GET /admin/library': { as: ['admin', 'district', 'c1'] },
  'GET /admin/library/export.xlsx': { as: ['admin', 'district'] },
  'GET /admin/library/import': { as: ['admin'] },
  'POST /admin/library/import': { as: ['admin', 'district'] },
  'GET /admin/library/new': { as: ['admin'] },
  'POST /admin/library': { as: ['admin', 'district'] },
  'GET /admin/library/:id': { as: ['admin', 'district'], params: { id: real(() => ['lib-visit', 'lib-meals']) } },
  'POST /admin/library/:id': { as: ['admin'], params: { id: real(() => ['lib-visit', 'lib-meals']) } },
  'POST /admin/library/:id/retire': { as: ['admin'], params: { id: garbage } },
  'GET /documents/:id': { as: ['c1'], params: { id: ids.document } },
  'GET /inbox': { as: staff },
  'GET /monitoring': { as: [...staff, 'admin'] },
  'GET /monitoring/stages': { as: [...staff, 'admin'] },
  'GET /reports': { as: [...staff, 'admin'] },
  'GET /public': { as: ['anon'] },
  'GET /public/notices': { as: ['anon'] },
  'GET /public/notices/:id': { as: ['anon'], params: { id: ids.project } },
  'POST /public/notices/:id': { as: ['anon'], params: { id: ids.project } },
  'GET /public/notices/:id/thanks': { as: ['anon'], params: { id: ids.project } },
  'GET /public/projects': { as: ['anon'] },
  'GET /public/projects/:id': { as: ['anon'], params: { id: ids.project } },
  'GET /public/projects/:id/notice': { as: ['anon'], params: { id: ids.project } },
  'GET /public/stats': { as: ['anon'] },
  'GET /profile': { as: ['c1'] },
  'POST /profile': { as: ['finance'] },
  'GET /admin': { as: ['admin'] },
  'GET /admin/users': { as: ['admin'] },
  'GET /admin/users/new': { as: ['admin'] },
  'POST /admin/users': { as: ['admin'] },
  'GET /admin/users/:id': { as: ['admin'], params: { id: ids.user } },
  'POST /admin/users/:id/password': { as: ['admin'], params: { id: ids.user } },
  'POST /admin/users/:id/disabled': { as: ['admin'], params: { id: ids.user } },
  'GET /admin/places': { as: ['admin'] },
  'GET /admin/places/streets/new': { as: ['admin'] },
  'GET /admin/places/communities/new': { as: ['admin'] },
  'POST /admin/places/streets': { as: ['admin'] },
  'POST /admin/places/communities': { as: ['admin'] },
  'GET /admin/places/streets/:id/edit': { as: ['admin'], params: { id: ids.street } },
  'POST /admin/places/streets/:id': { as: ['admin'], params: { id: ids.street } },
  'GET /admin/places/communities/:id/edit': { as: ['admin'], params: { id: ids.community } },
  'POST /admin/places/communities/:id': { as: ['admin'], params: { id: ids.community } },
  'GET /admin/vendors': { as: ['admin'] },
  'GET /admin/vendors/new': { as: ['admin'] },
  'POST /admin/vendors': { as: ['admin'] },
  'GET /admin/vendors/:id': { as: ['admin'], params: { id: ids.vendor } },
  'POST /admin/vendors/:id': { as: ['admin'], params: { id: ids.vendor } },
  'GET /admin/categories': { as: ['admin'] },
  'POST /admin/categories': { as: ['admin'] },
  'GET /admin/groups': { as: ['admin'] },
  'POST /admin/groups': { as: ['admin'] },
  'GET /admin/allocations': { as: ['admin'] },
  'POST /admin/allocations': { as: ['admin'] },
  'GET /admin/rules': { as: ['admin'] },
  'GET /admin/rules/new': { as: ['admin'] },
  'POST /admin/rules': { as: ['admin'] },
  'GET /admin/rules/:version': { as: ['admin'], params: { version: ids.version } },
  'GET /admin/calendar': { as: ['admin'] },
  'POST /admin/calendar': { as: ['admin'] },
  'POST /admin/calendar/:date/delete': { as: ['admin'], params: { date: ids.date } },
  'GET /admin/outbox': { as: ['admin'] },
  'POST /admin/outbox/:id/retry': { as: ['admin'], params: { id: ids.mail } },
  'GET /admin/emails': { as: ['admin'] },
  'GET /admin/emails/:template': { as: ['admin'], params: { template: ids.template } },
  'GET /admin/emails/:template/html': { as: ['admin'], params: { template: ids.template } },
};

// ── random input ──

const text = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom(
    '', ' ', '0', '1', '-1', '2026', '2027', '1999', '2101', '1e9', '12.5', '１２３', 'abc', '2026-02-30', '2026-10-01', 'on', 'true', 'false',
    'en', 'zh-CN', 'dead', 'pending', 'goods', 'works', 'public_notice', 'procurement', 'cm-lianhua', 'cm-haibin', 'st-gongbei', 'vd-kangfu',
    'x'.repeat(65), 'x'.repeat(101), 'x'.repeat(201), '<b>x</b>', "' OR 1=1 --", '%', '\u0000', '中文'.repeat(60),
  ),
);
const names = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(
    'q', 'state', 'category', 'type', 'streetId', 'communityId', 'year', 'page', 'pageSize', 'status', 'mail', 'next', 'lang',
    'email', 'password', 'name', 'role', 'vendorId', 'types', 'creditCode', 'phone', 'disabled', 'nameZh', 'nameEn', 'code', 'sort', 'active',
    'date', 'kind', 'note', 'allocated', 'text', 'contact', 'title', 'group', 'estimatedYuan', 'estimatedFen', 'description', 'items.0.name',
    'items.0.quantity', 'items.0.unitYuan', 'reason', 'comment', 'expectedVersion', 'idNumber', 'address', 'householdSize', 'advanceMs',
    'thresholds.directPurchaseFen', 'paymentPlan.advancePct', 'items', 'fields', '__proto__', 'constructor',
  ) },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
);
/** Pairs, so a name may repeat (?q=a&q=b reads as an array). */
const pairs = fc.array(fc.tuple(names, text), { maxLength: 6 });
const json: fc.Arbitrary<unknown> = fc.oneof(
  text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom(-5, 0, 1000, 2 ** 53, Number.MAX_VALUE),
  fc.array(fc.oneof(text, fc.integer()), { maxLength: 3 }),
  fc.dictionary(fc.constantFrom('name', 'quantity', 'unitFen', 'role', 'x'), fc.oneof(text, fc.integer()), { maxKeys: 3 }),
);
const jsonBody = fc.oneof(
  { weight: 8, arbitrary: fc.dictionary(names, json, { maxKeys: 6 }) },
  { weight: 1, arbitrary: fc.oneof(fc.array(json, { maxLength: 3 }), fc.constant(null)) },
);
const body = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('pairs' as const), pairs }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('json' as const), value: jsonBody }) },
  // JSON that JSON.stringify cannot write (1e400 reads as Infinity), a body that does not parse
  // (API: 400), or none at all (pages: an empty form)
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('raw' as const), text: fc.constantFrom('{"advanceMs":1e400,"year":1e400}', '{"page":-0,"items":[{"quantity":1e400}]}', '[]', '"text"', '{"__proto__":{"x":1}}') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('broken' as const, 'none' as const) }) },
);
const lang = fc.constantFrom(undefined, 'en', 'zh-CN');

const HAN = /[\u4e00-\u9fff]/;
const RUNS = Number(process.env.FUZZ_RUNS ?? 6);

describe('every route under random query strings and bodies', () => {
  let a: TestApp;
  const routes: string[] = [];
  const sessions = new Map<Who, { agent: Agent; csrf: string }>();
  const tokens = new Map<Who, string>();

  beforeAll(async () => {
    a = await createTestApp();
    routes.push(...routesOf((a.app as unknown as { router: { stack: Layer[] } }).router.stack));
    const x = api(a);
    projects.push((await x.create(U.c1, goodsProject())).id);
    const p = await x.create(U.c1, goodsProject({ title: '随机输入测试' }));
    await toPreparing(a, p.id);
    projects.push(p.id);
    // Users the admin forms may change at will (never the ones signed in here).
    const spareUser = await a.deps.services.users.create({ email: 'spare@example.org', name: '备用', role: 'district', districtId: 'xz', password: 'spare-password-123' });
    spare.push(spareUser.id);
    const c1 = await a.deps.services.users.get((await a.t.db('users').where({ email: U.c1 }).first('id')).id);
    beneficiaries.push(...(await a.t.db('beneficiaries').limit(3).pluck('id')) as string[]);
    const need = await a.deps.services.needs.create(c1, { source: 'call', type: 'other', description: '随机输入测试' }) as { id: string; ref: string };
    needs.push(need.id);
    needRefs.push(need.ref);
    const operator = (await a.t.db('users').where({ email: 'operator@example.org' }).first('id')).id as string;
    campaigns.push((await a.deps.services.campaigns.create(c1, { name: '随机输入测试', area: 'community:cm-lianhua', startOn: '2026-03-02', endOn: '2026-12-31', operatorIds: [operator] })).id);
    supplyPlans.push((await a.deps.services.supplies.createPlan(c1, campaigns[0]!, { item: '随机输入测试', startOn: '2026-03-02', endOn: '2026-03-31' })).id);
    const emails: Record<Exclude<Who, 'anon'>, string> = { c1: U.c1, street: U.street, district: U.district, finance: U.finance, v1: U.v1, admin: U.admin, operator: 'operator@example.org' };
    for (const [who, email] of Object.entries(emails) as Array<[Who, string]>) {
      const agent = await agentFor(a, email);
      sessions.set(who, { agent, csrf: csrfOf((await agent.get('/profile')).text) });
      tokens.set(who, await a.token(email));
    }
    const anon = await agentFor(a);
    sessions.set('anon', { agent: anon, csrf: csrfOf((await anon.get('/login')).text) });
  }, 60_000);
  afterAll(async () => {
    await a?.close();
  });

  it('finds the routers\' routes, and every one has a case (callers and path fillers) here', () => {
    expect(routes.length).toBeGreaterThan(60);
    expect(routes).toContain('GET /api/v1/projects');
    expect(routes).toContain('POST /admin/users/:id/disabled');
    const missing = routes.filter((r) => !ROUTES[r]);
    const unfilled = routes.filter((r) => ROUTES[r] && (r.match(/:(\w+)/g) ?? []).some((p) => !ROUTES[r]!.params?.[p.slice(1)]));
    expect(missing, 'routes with no case in ROUTES').toEqual([]);
    expect(unfilled, 'routes with a :param and no filler').toEqual([]);
    expect(Object.keys(ROUTES).filter((r) => !routes.includes(r)), 'cases for routes that no longer exist').toEqual([]);
  });

  it('never answers 5xx, and a 422 is INVALID with its fields named in the answer\'s language', async () => {
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    for (const route of routes) {
      const c = ROUTES[route];
      if (!c) continue; // reported by the test above
      const [method, pattern] = route.split(' ') as ['GET' | 'POST', string];
      const params = c.params ?? {};
      const path = fc.record(Object.fromEntries(Object.entries(params).map(([k, arb]) => [k, arb]))).map((values) =>
        pattern.replace(/:(\w+)/g, (_m, k: string) => encodeURIComponent(values[k] ?? '')));
      const isApi = pattern.startsWith('/api/');
      // Every route is tried even when one fails, so a run reports all of them at once.
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...c.as), path, pairs, body, lang, async (who, url, query, b, accept) => {
          const qs = new URLSearchParams(query).toString();
          const target = qs ? `${url}?${qs}` : url;
          const session = sessions.get(isApi ? 'anon' : who)!;
          const agent = isApi ? a.http : session.agent;
          let req = method === 'GET' ? agent.get(target) : agent.post(target);
          if (accept) req = req.set('accept-language', accept);
          if (isApi && who !== 'anon') req = req.set('authorization', `Bearer ${tokens.get(who)!}`);
          if (method === 'POST') {
            if (!isApi) req = req.set('x-csrf-token', session.csrf);
            if (b.kind === 'pairs') req = isApi ? req.send(Object.fromEntries(b.pairs)) : req.type('form').send(new URLSearchParams([['_csrf', session.csrf], ...b.pairs]).toString());
            else if (b.kind === 'json') req = req.type('json').send(JSON.stringify(b.value));
            else if (b.kind === 'raw') req = req.type('json').send(b.text);
            else if (b.kind === 'broken') req = req.type(isApi ? 'json' : 'form').send(isApi ? '{"a":' : '%E0%A4%A=1&_csrf');
          }
          const res = await req;
          const what = `${method} ${target} as ${who} ${JSON.stringify(b)} → ${res.status} ${res.text.slice(0, 300)}`;
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          expect(res.status, what).toBeLessThan(500);
          if (res.status === 422 && isApi) {
            expect(res.body.error?.code, what).toBe('INVALID');
            const fields = Object.values(res.body.error.fields ?? {}) as string[];
            expect(fields.length + (res.body.error.reasons?.length ?? 0), what).toBeGreaterThan(0);
            for (const m of fields) expect(m, what).toMatch(accept === 'en' ? /^[\x20-\x7e]+$/ : HAN);
          }
        }),
        { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 20261208), endOnFailure: true },
      ).catch((err: Error & { cause?: Error }) => failures.push(`${route}: ${err.message.split('\n').find((l) => l.startsWith('Counterexample'))} ${err.cause?.message.split('\n')[0]?.slice(0, 400)}`));
    }
    expect(failures, failures.join('\n')).toEqual([]);
    // The random input reached validation, not only the role checks.
    expect(statuses.get(422) ?? 0).toBeGreaterThan(routes.length / 2);
  }, 240_000);
});

describe('an invalid query string answers 422 naming the field, never 500', () => {
  let a: TestApp;
  beforeAll(async () => {
    a = await createTestApp();
  });
  afterAll(async () => {
    await a?.close();
  });
  const long = 'x'.repeat(101);

  it('when GET /api/v1/projects gets a 101-character q, then it is 422 INVALID with q named, in Chinese by default and in English on request', async () => {
    const token = await a.token(U.district);
    const zh = await a.http.get(`/api/v1/projects?q=${long}`).set('authorization', `Bearer ${token}`);
    expect(zh.status).toBe(422);
    expect(zh.body.error.code).toBe('INVALID');
    expect(Object.keys(zh.body.error.fields)).toEqual(['q']);
    expect(zh.body.error.fields.q).toMatch(HAN);
    const en = await a.http.get(`/api/v1/projects?q=${long}`).set('authorization', `Bearer ${token}`).set('accept-language', 'en');
    expect(en.status).toBe(422);
    expect(en.body.error.fields.q).toMatch(/^[\x20-\x7e]+$/);
  });

  it('when the projects page or the public list gets a 101-character q, then the error page answers 422 and names q', async () => {
    const c1 = await agentFor(a, U.c1);
    const page = await c1.get(`/projects?q=${long}`);
    expect(page.status).toBe(422);
    expect(page.text).toContain('q：');
    const pub = await agentFor(a);
    const list = await pub.get(`/public/projects?q=${long}&lang=en`);
    expect(list.status).toBe(422);
    expect(list.text).toContain('q: ');
  });

  it('when a query value repeats or is out of range, then the API names the field', async () => {
    const token = await a.token(U.district);
    for (const [path, field] of [['/allocations?year=1999', 'year'], ['/beneficiaries?communityId=a&communityId=b', 'communityId'], ['/projects?state=a&state=b', 'state']] as const) {
      const res = await a.http.get(`/api/v1${path}`).set('authorization', `Bearer ${token}`);
      expect(res.status, path).toBe(422);
      expect(Object.keys(res.body.error.fields), path).toEqual([field]);
    }
  });
});
