// Demo stories: projects at different stages, each driven through the real workflow by the demo
// users. They run on the engine's own clock while it is still manual (a sandbox): from where it
// stands, STORY_SPAN_MS forward, so timers (the notice period, the quote deadline) fire as they
// would have and the history reads true. The composition root starts that clock STORY_SPAN_MS ago,
// so the stories end at "now", and then hands it over to the system clock.
import type { ManualClock } from '../lib/clock.js';
import { shanghaiDate } from '../lib/calendar.js';
import type { User, UserService } from '../auth/users.js';
import type { ProjectService } from '../projects/project-service.js';
import type { TimerWorker } from '../engine/timers.js';
import type { DocumentService } from '../documents/document-service.js';
import { percentOf } from '../../workflows/shared/money.js';
import { demoPdf } from './demo-pdf.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** How long the stories take on the sandbox clock. */
export const STORY_SPAN_MS = 45 * DAY;

export interface StoriesDeps {
  /** The engine's clock, still manual: the stories move it forward by STORY_SPAN_MS. */
  clock: ManualClock;
  users: UserService;
  projects: ProjectService;
  timers: TimerWorker;
  documents: DocumentService;
}

const CHECKLIST = { positiveList: true, negativeList: false, duplicate: false };

export async function seedStories(deps: StoriesDeps): Promise<string[]> {
  const { clock, projects, timers, documents } = deps;
  /** The "now" the stories end at. */
  const now = clock.now().getTime() + STORY_SPAN_MS;
  const u = async (email: string) => (await deps.users.findByEmail(email)) as User;
  const c1 = await u('community1@example.org');
  const c2 = await u('community2@example.org');
  const c3 = await u('community3@example.org');
  const street = await u('street@example.org');
  const district = await u('district@example.org');
  const district2 = await u('district2@example.org');
  const finance = await u('finance@example.org');
  const v1 = await u('vendor1@example.org');
  const v2 = await u('vendor2@example.org');
  const v3 = await u('vendor3@example.org');
  const send = (user: User, id: string, type: string, payload: Record<string, unknown> = {}) => projects.send(user, id, { type, ...payload });
  /** Moves the sandbox clock forward (never past the end) and fires what fell due. */
  const advanceTo = async (ms: number) => {
    const target = Math.min(ms, now);
    if (target > clock.now().getTime()) clock.set(target);
    await timers.runDue();
  };
  const later = (ms: number) => advanceTo(clock.now().getTime() + ms);
  const today = (plusDays = 0) => shanghaiDate(new Date(clock.now().getTime() + plusDays * DAY).toISOString());
  const evidence = async (user: User, id: string, lines: string[]) =>
    (await documents.storeForProject(user, id, [{ field: 'evidence', originalname: `${lines[0]}.pdf`, buffer: demoPdf(lines), size: 0 }])).evidence!;

  /** draft → public_notice, the proposal agreed by the residents' council. */
  async function propose(input: Record<string, unknown>): Promise<{ id: string; noticeEndsAt: string }> {
    const p = await projects.create(c1, input);
    await later(2 * HOUR);
    await send(c1, p.id, 'SUBMIT');
    await later(DAY);
    await send(c2, p.id, 'SCREEN_PASS', { checklist: CHECKLIST, comment: '符合正面清单，未发现重复立项。' });
    await later(DAY);
    const minutes = await evidence(c1, p.id, ['Residents council minutes', `Project ${p.ref}`, 'Members 11, present 9: for 8, against 0, abstain 1']);
    await send(c1, p.id, 'RECORD_DELIBERATION', { members: 11, present: 9, for: 8, against: 0, abstain: 1, heldOn: today(), minutes: minutes[0], comment: '居民议事会表决通过。' });
    const after = await projects.get(c1, p.id);
    return { id: p.id, noticeEndsAt: String(after.deadlines.noticeEndsAt) };
  }

  /** public_notice → procurement.preparing: the notice passes, the street and the district approve. */
  async function approve(p: { id: string; noticeEndsAt: string }, approvedFen: number) {
    await advanceTo(Date.parse(p.noticeEndsAt) + HOUR);
    await later(3 * HOUR);
    await send(street, p.id, 'APPROVE', { comment: '材料齐全，同意。' });
    await later(DAY);
    await send(district, p.id, 'APPROVE_BUDGET', { approvedFen });
    await later(2 * HOUR);
  }

  /** A direct purchase awarded, contracted and confirmed: the project is in delivery. */
  async function contract(id: string, vendor: User, items: Array<{ name: string; quantity: number; unitFen: number }>, dueInDays: number) {
    const amountFen = items.reduce((s, i) => s + i.quantity * i.unitFen, 0);
    await send(c1, id, 'AWARD', { vendorId: vendor.vendorId, amountFen, justification: '金额低于直接采购限额，供应商资质与报价经社区比选合理。' });
    await later(DAY);
    await send(c1, id, 'SIGN_CONTRACT', { contractNo: `HT-${today().replaceAll('-', '')}-${id.slice(0, 4).toUpperCase()}`, items, amountFen, dueOn: today(dueInDays) });
    await later(4 * HOUR);
    await send(vendor, id, 'CONFIRM_CONTRACT');
    await later(DAY);
    await send(finance, id, 'RECORD_PAYMENT', { tranche: 'advance', amountFen: percentOf(amountFen, 30), voucherNo: `PZ-${today().replaceAll('-', '')}-01` });
    return (await projects.get(c1, id)).contract!.items;
  }

  // 1. Stair-climbers: the whole way to closed.
  const stair = await propose({
    title: '莲花社区爬楼机配置', type: 'goods', category: '助残', estimatedFen: 3_600_000, beneficiaryCount: 2,
    description: '为居住在无电梯楼房高层的两位轮椅使用者配置履带式爬楼机，含操作培训与一年质保。',
    items: [{ name: '履带式爬楼机', quantity: 2, unitFen: 1_800_000 }],
  });
  // 2. Home adaptation for three households: in delivery, one household done.
  const adapt = await propose({
    title: '困难残疾人家庭居家适老化改造', type: 'works', category: '助老', estimatedFen: 3_600_000, beneficiaryCount: 3,
    description: '为3户重度残疾人家庭安装扶手、防滑地面、坡道和坐便器增高垫，每户先评估后施工，完工后逐户签收。',
    items: [{ name: '居家适老化改造（每户）', quantity: 3, unitFen: 1_200_000 }],
  });
  // 3. Rehabilitation classes (services, three written quotes): quoting, deadline ahead.
  const rehab = await propose({
    title: '残疾人社区康复训练课程', type: 'services', category: '助残', estimatedFen: 9_600_000, beneficiaryCount: 30,
    description: '由专业康复师每周两次在社区康园中心开展康复训练，全年共96节，服务30名残疾人。',
    items: [{ name: '康复训练课（节）', quantity: 96, unitFen: 100_000 }],
  });
  // 4. Canteen equipment for older residents: waiting for the district's budget approval.
  const canteen = await propose({
    title: '长者饭堂适老化餐具与保温设备', type: 'goods', category: '助老', estimatedFen: 4_500_000, beneficiaryCount: 120,
    description: '为社区长者饭堂添置保温送餐车、防滑餐具和助餐椅，服务辖区120名长者。',
    items: [{ name: '保温送餐车', quantity: 3, unitFen: 800_000 }, { name: '防滑餐具与助餐椅（套）', quantity: 30, unitFen: 70_000 }],
  });
  // 5. An accessible ramp: waiting for the street's review.
  const ramp = await propose({
    title: '莲花路18号无障碍坡道与扶手', type: 'works', category: '公共设施', estimatedFen: 8_000_000, beneficiaryCount: 40,
    description: '在莲花路18号楼栋出入口新建无障碍坡道并加装双侧扶手，方便轮椅使用者和长者出行。',
    items: [{ name: '无障碍坡道（含扶手）', quantity: 1, unitFen: 8_000_000 }],
  });
  await approve(stair, 3_600_000);
  await approve(adapt, 3_600_000);
  await approve(rehab, 9_600_000);
  await send(c1, rehab.id, 'INVITE', { vendorIds: [v1.vendorId, v2.vendorId, v3.vendorId], deadline: new Date(now + 5 * DAY).toISOString() });
  await later(DAY);
  await send(v3, rehab.id, 'SUBMIT_QUOTE', { amountFen: 9_200_000, validUntil: today(60) });
  await later(DAY);
  await send(v1, rehab.id, 'SUBMIT_QUOTE', { amountFen: 9_500_000, validUntil: today(60) });

  await advanceTo(Date.parse(canteen.noticeEndsAt) + HOUR);
  await send(street, canteen.id, 'APPROVE', { comment: '同意，请区里审批预算。' });

  await advanceTo(Date.parse(ramp.noticeEndsAt) + HOUR);

  const stairItems = await contract(stair.id, v1, [{ name: '履带式爬楼机', quantity: 2, unitFen: 1_800_000 }], 20);
  // One contract line per household, so each household signs for its own works.
  const adaptItems = await contract(adapt.id, v2, [1, 2, 3].map((n) => ({ name: `第${n}户居家适老化改造`, quantity: 1, unitFen: 1_200_000 })), 60);
  await later(3 * DAY);
  for (const item of stairItems) {
    const photos = await evidence(v1, stair.id, ['Delivery record: stair-climber', 'Serials SC-2026-0117, SC-2026-0118', 'Operator training held on site']);
    await send(v1, stair.id, 'RECORD_DELIVERY', { itemId: item.id, quantity: item.quantity, serials: ['SC-2026-0117', 'SC-2026-0118'], evidence: photos });
    await later(DAY);
    await send(c2, stair.id, 'CONFIRM_RECEIPT', { itemId: item.id, comment: '已代受益人签收，设备运行正常。' });
  }
  await send(v1, stair.id, 'REQUEST_ACCEPTANCE');
  await later(2 * DAY);
  await send(c2, stair.id, 'RECORD_ACCEPTANCE', {
    passed: true, satisfactionPct: 95, signatories: [{ role: 'community', name: '王强' }, { role: 'residents_rep', name: '陈大文' }, { role: 'beneficiary', name: '黄秀英' }],
    attachments: await evidence(c2, stair.id, ['Acceptance report', 'Satisfaction 95%', 'Signed: community, residents representative, beneficiary']),
  });
  await later(DAY);
  await send(finance, stair.id, 'RECORD_PAYMENT', { tranche: 'final', amountFen: 3_600_000 - percentOf(3_600_000, 30), voucherNo: `PZ-${today().replaceAll('-', '')}-02` });
  await later(2 * DAY);
  await send(district2, stair.id, 'RECORD_EVALUATION', { score: 92, grade: '优秀', notes: '按期交付，操作培训到位，受益人满意。' });
  // The first household's adaptation is done and signed for.
  const first = adaptItems[0]!;
  await send(v2, adapt.id, 'RECORD_DELIVERY', { itemId: first.id, quantity: 1, evidence: await evidence(v2, adapt.id, ['Household 1: grab bars, non-slip floor, ramp', 'Before and after photos']) });
  await later(DAY);
  await send(c1, adapt.id, 'CONFIRM_RECEIPT', { itemId: first.id, comment: '第1户已完工并签收。' });

  // 6. Home visits: in its public notice now.
  await advanceTo(now - 6 * HOUR);
  await propose({
    title: '重度残疾人上门探访与心理慰藉', type: 'services', category: '助残', estimatedFen: 4_800_000, beneficiaryCount: 20,
    description: '每周一次上门探访、心理慰藉与康复指导，服务20户，全年共计960人次。',
    items: [{ name: '上门探访服务（人次）', quantity: 960, unitFen: 5_000 }],
  });
  // 7. A proposal in screening, and 8. a draft in another community.
  const tutoring = await projects.create(c1, {
    title: '困境儿童课后托管与学业辅导', type: 'services', category: '助学', estimatedFen: 3_000_000, beneficiaryCount: 25,
    description: '为辖区25名困境儿童提供工作日课后托管、作业辅导和周末阅读活动。',
    items: [{ name: '课后托管（人·月）', quantity: 250, unitFen: 12_000 }],
  });
  await send(c1, tutoring.id, 'SUBMIT');
  await projects.create(c3, {
    title: '海滨社区助行器具租借点', type: 'goods', category: '助行', estimatedFen: 1_800_000, beneficiaryCount: 60,
    description: '设立助行器具租借点，配置轮椅、助行器和拐杖，供行动不便的居民短期免费借用。',
    items: [{ name: '轮椅', quantity: 6, unitFen: 150_000 }, { name: '助行器', quantity: 10, unitFen: 60_000 }, { name: '多脚拐杖', quantity: 10, unitFen: 30_000 }],
  });
  await advanceTo(now);
  return [stair.id, adapt.id, rehab.id, canteen.id, ramp.id];
}
