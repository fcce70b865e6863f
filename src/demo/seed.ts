// The demo district: Xiangzhou-like reference data, users for every role, allocations for last,
// this and next year, a few beneficiaries and projects at different stages. Idempotent: it does
// nothing when the database already has a district.
import { isManual, type Clock, type ManualClock } from '../lib/clock.js';
import { hashPassword } from '../auth/passwords.js';
import type { Db, Queryable, Trx } from '../lib/db.js';
import { shanghaiDate } from '../lib/calendar.js';
import type { UserService, NewUser, User } from '../auth/users.js';
import type { ReferenceService } from '../reference/reference.js';
import type { Ledger } from '../budgets/ledger.js';
import type { BeneficiaryService } from '../beneficiaries/beneficiaries.js';
import type { ProjectService } from '../projects/project-service.js';
import type { DocumentService } from '../documents/document-service.js';
import type { TimerWorker } from '../engine/timers.js';
import { seedStories, STORY_SPAN_MS } from './stories.js';
import type { CampaignService } from '../campaigns/campaign-service.js';
import type { NeedService } from '../needs/need-service.js';

export const DEMO_PASSWORD = 'weishishi-demo';

let demoHash: Promise<string> | undefined;
/**
 * A demo or generated log-in, with the demo password. They all share that published password
 * (printed on start), so its scrypt hash is computed once per process: a salt of their own would
 * protect nothing, while one hash each cost 50 ms of CPU — a second per demo district, a minute for
 * a city's 1,700 log-ins.
 */
export async function createDemoUser(users: UserService, u: Omit<NewUser, 'password'>, q?: Queryable): Promise<User> {
  demoHash ??= hashPassword(DEMO_PASSWORD);
  return users.create({ ...u, password: DEMO_PASSWORD }, q, { passwordHash: await demoHash });
}

export interface DemoSeedResult {
  password: string;
  logins: Array<{ email: string; role: string }>;
  created: boolean;
}

export const DEMO_IDS = {
  district: 'xz',
  streets: { gongbei: 'st-gongbei', jida: 'st-jida' },
  communities: { lianhua: 'cm-lianhua', yuehai: 'cm-yuehai', haibin: 'cm-haibin' },
  vendors: { kangfu: 'vd-kangfu', anju: 'vd-anju', xinyuan: 'vd-xinyuan', kangning: 'vd-kangning' },
} as const;

export interface SeedOptions {
  /**
   * Also drive demo projects through the lifecycle to several stages (npm start, `weishishi seed`).
   * They move the engine's clock forward by STORY_SPAN_MS, so it must still be manual.
   */
  stories?: boolean;
}

export interface SeedDeps {
  db: Db;
  /** The engine's clock. */
  clock: Clock;
  users: UserService;
  reference: ReferenceService;
  ledger: Ledger;
  beneficiaries: BeneficiaryService;
  projects: ProjectService;
  documents: DocumentService;
  timers: TimerWorker;
  /** with stories: a running care-call campaign and two needs, so the operator and the needs pages have work */
  campaigns?: CampaignService;
  needs?: NeedService;
}

const LOGINS: Array<Omit<NewUser, 'password'>> = [
  { email: 'community1@example.org', name: '李芳（莲花社区）', role: 'community', communityId: DEMO_IDS.communities.lianhua },
  { email: 'community2@example.org', name: '王强（莲花社区）', role: 'community', communityId: DEMO_IDS.communities.lianhua },
  { email: 'community3@example.org', name: '陈静（海滨社区）', role: 'community', communityId: DEMO_IDS.communities.haibin },
  { email: 'street@example.org', name: '张伟（拱北街道）', role: 'street', streetId: DEMO_IDS.streets.gongbei },
  { email: 'district@example.org', name: '刘洋（区民政局）', role: 'district', districtId: DEMO_IDS.district },
  { email: 'district2@example.org', name: '赵敏（区民政局）', role: 'district', districtId: DEMO_IDS.district },
  { email: 'finance@example.org', name: '孙丽（区财政局）', role: 'finance', districtId: DEMO_IDS.district },
  { email: 'vendor1@example.org', name: '周康（康复辅具公司）', role: 'vendor', vendorId: DEMO_IDS.vendors.kangfu },
  { email: 'vendor2@example.org', name: '吴安（安居改造公司）', role: 'vendor', vendorId: DEMO_IDS.vendors.anju },
  { email: 'vendor3@example.org', name: '郑欣（心缘社工中心）', role: 'vendor', vendorId: DEMO_IDS.vendors.xinyuan },
  { email: 'admin@example.org', name: '系统管理员', role: 'admin', districtId: DEMO_IDS.district },
  // makes the care calls of the campaigns it is assigned to (src/campaigns)
  { email: 'operator@example.org', name: '何静（关爱热线话务员）', role: 'operator', districtId: DEMO_IDS.district },
];

/**
 * The stories' own users: a second staff member in 粤海 and 海滨 (who screens and accepts what a
 * colleague proposed and bought), 吉大街道's reviewer, and the fourth vendor's. The minimal set the
 * other test suites build on has only LOGINS (they add such users themselves).
 */
const STORY_LOGINS: Array<Omit<NewUser, 'password'>> = [
  { email: 'community4@example.org', name: '黄海燕（粤海社区）', role: 'community', communityId: DEMO_IDS.communities.yuehai },
  { email: 'community5@example.org', name: '林志明（粤海社区）', role: 'community', communityId: DEMO_IDS.communities.yuehai },
  { email: 'community6@example.org', name: '郭丽娟（海滨社区）', role: 'community', communityId: DEMO_IDS.communities.haibin },
  { email: 'street2@example.org', name: '梁晓东（吉大街道）', role: 'street', streetId: DEMO_IDS.streets.jida },
  { email: 'vendor4@example.org', name: '冯宁（康宁康复服务中心）', role: 'vendor', vendorId: DEMO_IDS.vendors.kangning },
];

/**
 * The service-project library (服务项目库): standard offerings with Zhuhai/Shenzhen-like prices in
 * fen (reference ≤ ceiling), their qualified demo vendors, valid last year to next year; one entry
 * expired mid last year, to show that it starts no new proposal.
 */
async function seedLibrary(trx: Trx, year: number, now: string, stories: boolean): Promise<void> {
  const v = DEMO_IDS.vendors;
  const from = `${year - 1}-01-01`;
  const to = `${year + 1}-12-31`;
  const entries = [
    { id: 'lib-stairclimber', code: 'SL-001', name: '爬楼机租赁（含操作员）', category: '助行', type: 'services', unit: 'household', reference_fen: 120_000, ceiling_fen: 150_000,
      description: '为居住在无电梯楼房的轮椅使用者提供爬楼机租赁，含持证操作员上门服务与使用培训，按户计价（一年）。', vendors: [v.kangfu] },
    { id: 'lib-grabbar', code: 'SL-002', name: '居家适老化改造（扶手安装）', category: '居家改造', type: 'works', unit: 'item', reference_fen: 38_000, ceiling_fen: 45_000,
      description: '卫生间、走廊、床边安装不锈钢防滑扶手，含上门评估、材料与安装，按件计价。', vendors: [v.anju] },
    { id: 'lib-rehab', code: 'SL-003', name: '康复训练课程', category: '康复训练', type: 'services', unit: 'session', reference_fen: 20_000, ceiling_fen: 26_000,
      description: '由康复治疗师开展的社区或上门康复训练，每课时45分钟，含训练计划与记录。', vendors: stories ? [v.kangfu, v.xinyuan, v.kangning] : [v.kangfu, v.xinyuan] },
    { id: 'lib-visit', code: 'SL-004', name: '上门探访与心理慰藉', category: '探访慰藉', type: 'services', unit: 'session', reference_fen: 5_000, ceiling_fen: 8_000,
      description: '社工上门探访独居、重度残疾及困难长者，提供心理慰藉与需求评估，按次计价。', vendors: stories ? [v.xinyuan, v.kangning] : [v.xinyuan] },
    { id: 'lib-meals', code: 'SL-005', name: '长者助餐配送', category: '便民服务', type: 'services', unit: 'session', reference_fen: 1_500, ceiling_fen: 2_000,
      description: '为行动不便的长者配送午餐，按次计价。（已过期，示范过期条目）', vendors: [v.xinyuan], validTo: `${year - 1}-06-30` },
  ];
  for (const e of entries) {
    const { vendors, validTo, ...row } = e;
    await trx('library_entries').insert({
      ...row, district_id: DEMO_IDS.district, valid_from: from, valid_to: validTo ?? to, version: 1, retired_at: null,
      created_by: 'demo-seed', created_at: now, updated_at: now,
    });
    await trx('library_entry_vendors').insert(vendors.map((vendor_id) => ({ entry_id: e.id, vendor_id })));
  }
}

export async function seedDemo(deps: SeedDeps, opts: SeedOptions = {}): Promise<DemoSeedResult> {
  const { db, clock } = deps;
  const accounts = opts.stories ? [...LOGINS, ...STORY_LOGINS] : LOGINS;
  const logins = accounts.map((l) => ({ email: l.email, role: l.role }));
  if (await db('districts').first()) return { password: DEMO_PASSWORD, logins, created: false };
  let storyClock: ManualClock | undefined;
  if (opts.stories) {
    if (!isManual(clock)) throw new Error('the demo stories move the clock by hand: seed them before it is handed over to the system clock');
    storyClock = clock;
  }

  const now = clock.now().toISOString();
  // "This year" is the year the seeding ends in: the stories run STORY_SPAN_MS forward.
  const end = new Date(clock.now().getTime() + (storyClock ? STORY_SPAN_MS : 0)).toISOString();
  const year = Number(shanghaiDate(end).slice(0, 4));
  await db.transaction(async (trx) => {
    await trx('districts').insert({ id: DEMO_IDS.district, code: 'XZ', name_zh: '香洲区', name_en: 'Xiangzhou District' });
    await deps.reference.createStreet({ id: DEMO_IDS.streets.gongbei, districtId: DEMO_IDS.district, nameZh: '拱北街道', nameEn: 'Gongbei Street' }, trx);
    await deps.reference.createStreet({ id: DEMO_IDS.streets.jida, districtId: DEMO_IDS.district, nameZh: '吉大街道', nameEn: 'Jida Street' }, trx);
    await deps.reference.createCommunity({ id: DEMO_IDS.communities.lianhua, streetId: DEMO_IDS.streets.gongbei, nameZh: '莲花社区', nameEn: 'Lianhua Community' }, trx);
    await deps.reference.createCommunity({ id: DEMO_IDS.communities.yuehai, streetId: DEMO_IDS.streets.gongbei, nameZh: '粤海社区', nameEn: 'Yuehai Community' }, trx);
    await deps.reference.createCommunity({ id: DEMO_IDS.communities.haibin, streetId: DEMO_IDS.streets.jida, nameZh: '海滨社区', nameEn: 'Haibin Community' }, trx);
    // Categories (kinds of help) and beneficiary groups come with the migrations (20261205130000).
    // Each vendor supplies what it is registered for: the builder only works, the social-work and
    // rehabilitation centres only services, the assistive-device company devices and their training.
    // The minimal set the other test suites build on keeps three vendors, each on every type: their
    // lifecycles invite any three vendors to quote for any project.
    const types = (own: string[]) => (storyClock ? own : ['goods', 'works', 'services']);
    await deps.reference.createVendor({ name: '珠海康复辅具有限公司', email: 'sales@kangfu.example.org', phone: '0756-1234567', types: types(['goods', 'services']), creditCode: '91440400MA4UJ9XK3Q', registeredOn: '2012-05-08', fullTimeStaff: 12 }, trx, DEMO_IDS.vendors.kangfu);
    await deps.reference.createVendor({ name: '珠海安居适老化改造工程有限公司', email: 'office@anju.example.org', phone: '0756-2345678', types: types(['works']), registeredOn: '2014-09-01', fullTimeStaff: 25 }, trx, DEMO_IDS.vendors.anju);
    await deps.reference.createVendor({ name: '香洲区心缘社会工作服务中心', email: 'hello@xinyuan.example.org', phone: '0756-3456789', types: types(['services']), registeredOn: '2013-03-15', rating: '4A', fullTimeStaff: 8 }, trx, DEMO_IDS.vendors.xinyuan);
    if (storyClock) await deps.reference.createVendor({ name: '珠海市康宁康复服务中心', email: 'care@kangning.example.org', phone: '0756-4567890', types: ['services'], registeredOn: '2011-06-20', rating: '3A', fullTimeStaff: 6 }, trx, DEMO_IDS.vendors.kangning);
    await seedLibrary(trx, year, now, Boolean(storyClock));
    for (const communityId of Object.values(DEMO_IDS.communities)) {
      for (const y of [year - 1, year, year + 1]) {
        // ¥2,000,000 a community a year (Longgang 2017, PROGRAMME.md)
        await deps.ledger.setAllocation({ communityId, year: y, allocatedFen: 200_000_000 }, now, trx);
      }
    }
    for (const u of accounts) await createDemoUser(deps.users, u, trx);
  });

  const c1 = (await deps.users.findByEmail('community1@example.org'))!;
  // Fictitious residents; ID numbers carry valid check digits so the register accepts them.
  for (const b of [
    { name: '黄秀英', idNumber: '440402195003150020', phone: '13800001111', address: '珠海市香洲区莲花路18号3栋601', disabilityType: '肢体', disabilityLevel: '一级', householdSize: 2 },
    { name: '林国华', idNumber: '440402194811020019', phone: '13800002222', address: '珠海市香洲区莲花路22号1栋502', disabilityType: '视力', disabilityLevel: '二级', householdSize: 1 },
    { name: '何美玲', idNumber: '440402196207070027', phone: '13800003333', address: '珠海市香洲区粤海东路9号4栋301', disabilityType: '肢体', disabilityLevel: '二级', householdSize: 3 },
  ]) {
    await deps.beneficiaries.register(c1, b);
  }

  if (storyClock) {
    await seedStories({ clock: storyClock, users: deps.users, projects: deps.projects, reference: deps.reference, timers: deps.timers, documents: deps.documents });
    await seedCareWork(deps, c1);
  } else {
    // A minimal set, which the tests build on: a draft, one in screening, one in deliberation.
    const stair = await deps.projects.create(c1, {
      title: '莲花社区爬楼机配置', type: 'goods', category: '助行', mainGroup: '残疾人', estimatedFen: 3_600_000,
      description: '为居住在无电梯楼房高层的轮椅使用者配置爬楼机两台，含操作培训与一年质保。',
      items: [{ name: '履带式爬楼机', quantity: 2, unitFen: 1_800_000 }], beneficiaryCount: 2,
    });
    await deps.projects.send(c1, stair.id, { type: 'SUBMIT' });
    const c2 = (await deps.users.findByEmail('community2@example.org'))!;
    await deps.projects.send(c2, stair.id, { type: 'SCREEN_PASS', checklist: { positiveArea: 'mutual_help', negativeItems: { property_management: false, duplicate_government: false }, duplicate: false } });

    const adapt = await deps.projects.create(c1, {
      title: '困难残疾人家庭居家适老化改造', type: 'works', category: '居家改造', mainGroup: '残疾人', estimatedFen: 3_600_000,
      description: '为3户重度残疾人家庭安装扶手、防滑地面、坡道和坐便器增高垫。',
      items: [{ name: '居家适老化改造（每户）', quantity: 3, unitFen: 1_200_000 }], beneficiaryCount: 3,
    });
    await deps.projects.send(c1, adapt.id, { type: 'SUBMIT' });

    await deps.projects.create(c1, {
      title: '重度残疾人上门探访与心理慰藉', type: 'services', category: '探访慰藉', mainGroup: '残疾人', estimatedFen: 4_800_000,
      description: '每周一次上门探访、心理慰藉与康复指导，服务20户，全年共计960人次。',
      items: [{ name: '上门探访服务（人次）', quantity: 960, unitFen: 5_000 }], beneficiaryCount: 20,
    });
  }

  return { password: DEMO_PASSWORD, logins, created: true };
}

/**
 * At the end of the stories (today): 莲花's care-call campaign running for two weeks with the demo
 * operator, the severely disabled called daily, one call already made today that raised a need; and
 * a need from a home visit referred to 拱北街道 (in the street's inbox, under its working-day
 * deadline). `weishishi seed --lockdown` adds the district's lockdown platform at full size.
 */
async function seedCareWork(deps: SeedDeps, c1: User): Promise<void> {
  if (!deps.campaigns || !deps.needs) return;
  const operator = (await deps.users.findByEmail('operator@example.org'))!;
  const today = deps.campaigns.today();
  const end = shanghaiDate(new Date(deps.clock.now().getTime() + 13 * 86_400_000).toISOString());
  const campaign = await deps.campaigns.create(c1, {
    name: '莲花社区重度残疾人关爱电话', area: `community:${DEMO_IDS.communities.lianhua}`, startOn: today, endOn: end,
    dailyLevels: ['一级', '二级'], callsPerDay: 1, missLimit: 3, operatorIds: [operator.id],
  });
  const [first] = (await deps.campaigns.callList(operator, campaign.id, { pageSize: 1 })).rows;
  if (first) {
    await deps.campaigns.logCall(operator, campaign.id, {
      beneficiaryId: first.beneficiary.id, reached: true, note: '身体平稳，家属在家。',
      problems: [{ type: 'medical_rehab', description: '出院后需要上门康复指导，每周一次。' }],
    });
  }
  const visit = await deps.needs.create(c1, { type: 'accessibility', source: 'visit', description: '楼道无扶手，轮椅住户出入困难，需加装扶手和坡道。' }) as { id: string };
  await deps.needs.send(c1, visit.id, { type: 'REFER', to: 'street', note: '涉及楼道公共部位改造，请街道协调。' });
}

