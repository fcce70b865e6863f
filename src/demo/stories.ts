// Demo stories: projects in all three communities of both streets, at different stages, each driven
// through the real workflow (version 3, the default programme rules) by the demo users. They run on
// the engine's own clock while it is still manual (a sandbox): from where it stands, STORY_SPAN_MS
// forward, so timers (the three public notices, the quote deadline) fire as they would have and
// the history reads true. The composition root starts that clock STORY_SPAN_MS ago, so the stories
// end at "now", and then hands it over to the system clock.
import type { ManualClock } from '../lib/clock.js';
import { shanghaiDate } from '../lib/calendar.js';
import type { User, UserService } from '../auth/users.js';
import type { ProjectService } from '../projects/project-service.js';
import type { ReferenceService } from '../reference/reference.js';
import type { TimerWorker } from '../engine/timers.js';
import type { DocumentService } from '../documents/document-service.js';
import { percentOf } from '../../workflows/shared/money.js';
import { demoPdf } from './demo-pdf.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/**
 * How long the stories take on the sandbox clock: a project goes through three public notices of
 * five working days each (more around the Spring Festival or National Day), and the acceptance
 * notice of one of them twice.
 */
export const STORY_SPAN_MS = 75 * DAY;

export interface StoriesDeps {
  /** The engine's clock, still manual: the stories move it forward by STORY_SPAN_MS. */
  clock: ManualClock;
  users: UserService;
  projects: ProjectService;
  reference: ReferenceService;
  timers: TimerWorker;
  documents: DocumentService;
}

/** 初审: the positive area (rules.screening.positiveAreas) and a "no" for each negative item. */
const checklist = (positiveArea: string) => ({
  positiveArea,
  negativeItems: { property_management: false, duplicate_government: false },
  duplicate: false,
});

/** Who acts for a community: the one who proposes and buys, the colleague who screens and accepts, and the street's reviewer. */
interface Team {
  a: User;
  b: User;
  street: User;
}

interface Proposed {
  id: string;
  ref: string;
  team: Team;
  noticeEndsAt: string;
}

export async function seedStories(deps: StoriesDeps): Promise<string[]> {
  const { clock, projects, timers, documents } = deps;
  /** The "now" the stories end at. */
  const now = clock.now().getTime() + STORY_SPAN_MS;
  const u = async (email: string) => (await deps.users.findByEmail(email)) as User;
  const street = await u('street@example.org');
  const street2 = await u('street2@example.org');
  const lianhua: Team = { a: await u('community1@example.org'), b: await u('community2@example.org'), street };
  const yuehai: Team = { a: await u('community4@example.org'), b: await u('community5@example.org'), street };
  const haibin: Team = { a: await u('community3@example.org'), b: await u('community6@example.org'), street: street2 };
  const district = await u('district@example.org');
  const district2 = await u('district2@example.org');
  const finance = await u('finance@example.org');
  const v1 = await u('vendor1@example.org');
  const v2 = await u('vendor2@example.org');
  const v3 = await u('vendor3@example.org');
  const v4 = await u('vendor4@example.org');
  const send = (user: User, id: string, type: string, payload: Record<string, unknown> = {}) => projects.send(user, id, { type, ...payload });
  /** Moves the sandbox clock forward (never past the end) and fires what fell due. */
  const advanceTo = async (ms: number) => {
    const target = Math.min(ms, now);
    if (target > clock.now().getTime()) clock.set(target);
    await timers.runDue();
  };
  const later = (ms: number) => advanceTo(clock.now().getTime() + ms);
  const today = (plusDays = 0) => shanghaiDate(new Date(clock.now().getTime() + plusDays * DAY).toISOString());
  const voucher = (n: number) => `PZ-${today().replaceAll('-', '')}-${String(n).padStart(2, '0')}`;
  const evidence = async (user: User, id: string, lines: string[]) =>
    (await documents.storeForProject(user, id, [{ field: 'evidence', originalname: `${lines[0]}.pdf`, buffer: demoPdf(lines), size: 0 }])).evidence!;
  /** Where a project stands; a story that ran out of time says so rather than seeding half a demo. */
  const expectStage = async (p: { id: string; ref?: string }, ...stages: string[]) => {
    const got = await projects.get(district, p.id);
    if (!stages.includes(got.state)) throw new Error(`demo story: ${got.ref} is in ${got.state}, expected ${stages.join(' or ')}`);
    return got;
  };
  const noticeEnd = async (id: string) => String((await projects.get(district, id)).deadlines.noticeEndsAt);
  /** The active vendors that may supply this type: only they are invited. */
  const fitting = async (type: string) => (await deps.reference.vendors()).filter((v) => v.status === 'active' && (v.types as string[]).includes(type)).map((v) => v.id);

  /**
   * draft → public_notice: submitted, screened by a colleague, agreed by the residents' council.
   * With `voidFirst`, the first meeting lacks the two-thirds attendance and decides nothing; the
   * council meets again three days later.
   */
  async function propose(team: Team, area: string, input: Record<string, unknown>, voidFirst = false): Promise<Proposed> {
    const p = await projects.create(team.a, input);
    await later(2 * HOUR);
    await send(team.a, p.id, 'SUBMIT');
    await later(DAY);
    await send(team.b, p.id, 'SCREEN_PASS', { checklist: checklist(area), comment: '符合正面清单，未发现负面清单事项和重复立项。' });
    await later(DAY);
    if (voidFirst) {
      const minutes = await evidence(team.a, p.id, ['居民议事会会议记录（未达到规定到会比例）', `项目 ${p.ref}：${String(input.title)}`, '应到11人，实到6人，未达到三分之二，本次会议不作表决结论。']);
      await send(team.a, p.id, 'RECORD_DELIBERATION', { members: 11, present: 6, for: 6, against: 0, abstain: 0, heldOn: today(), minutes: minutes[0], comment: '到会人数不足，另行召开。' });
      await expectStage(p, 'deliberation');
      await later(3 * DAY);
    }
    const minutes = await evidence(team.a, p.id, ['居民议事会会议记录', `项目 ${p.ref}：${String(input.title)}`, '应到11人，实到9人：赞成8人，反对0人，弃权1人。']);
    await send(team.a, p.id, 'RECORD_DELIBERATION', { members: 11, present: 9, for: 8, against: 0, abstain: 1, heldOn: today(), minutes: minutes[0], comment: '居民议事会表决通过。' });
    await expectStage(p, 'public_notice');
    return { id: p.id, ref: p.ref, team, noticeEndsAt: await noticeEnd(p.id) };
  }

  /** public_notice → confirmation_notice: the notice passes, the street and the district approve. */
  async function approve(p: Proposed, approvedFen: number) {
    await advanceTo(Date.parse(p.noticeEndsAt) + HOUR);
    await later(3 * HOUR);
    await send(p.team.street, p.id, 'APPROVE', { comment: '材料齐全，同意，报区民政局审批。' });
    await later(DAY);
    await send(district, p.id, 'APPROVE_BUDGET', { approvedFen });
    await expectStage(p, 'confirmation_notice');
    p.noticeEndsAt = await noticeEnd(p.id);
    await later(2 * HOUR);
  }

  /** A direct purchase awarded, contracted and confirmed, and the advance paid: the project is in delivery. */
  async function contract(p: Proposed, vendor: User, items: Array<{ name: string; quantity: number; unitFen: number }>, dueInDays: number) {
    const amountFen = items.reduce((s, i) => s + i.quantity * i.unitFen, 0);
    if (!(await fitting((await projects.get(district, p.id)).type as string)).includes(vendor.vendorId!)) throw new Error(`demo story: ${vendor.email} does not supply ${p.ref}`);
    await send(p.team.a, p.id, 'AWARD', { vendorId: vendor.vendorId, amountFen, justification: '金额低于直接采购限额，供应商资质与报价经社区比选合理。' });
    await later(DAY);
    await send(p.team.a, p.id, 'SIGN_CONTRACT', { contractNo: `HT-${today().replaceAll('-', '')}-${p.id.slice(0, 4).toUpperCase()}`, items, amountFen, dueOn: today(dueInDays) });
    await later(4 * HOUR);
    await send(vendor, p.id, 'CONFIRM_CONTRACT');
    await later(DAY);
    await send(finance, p.id, 'RECORD_PAYMENT', { tranche: 'advance', amountFen: percentOf(amountFen, 30), voucherNo: voucher(1) });
    await expectStage(p, 'delivery');
    return (await projects.get(p.team.a, p.id)).contract!.items;
  }

  // ── proposals ──────────────────────────────────────────────────────────────────────────────
  // 1. Stair-climbers (莲花): to its warranty, the 5% retention held for twelve months.
  const stair = await propose(lianhua, 'mutual_help', {
    title: '莲花社区爬楼机配置', type: 'goods', category: '助行', mainGroup: '残疾人', estimatedFen: 3_600_000, beneficiaryCount: 2,
    description: '为居住在无电梯楼房高层的两位轮椅使用者配置履带式爬楼机，含操作培训与一年质保。',
    items: [{ name: '履带式爬楼机', quantity: 2, unitFen: 1_800_000 }],
  });
  // 2. Home adaptation for three households (莲花): in delivery, one household done.
  const adapt = await propose(lianhua, 'mutual_help', {
    title: '困难残疾人家庭居家适老化改造', type: 'works', category: '居家改造', mainGroup: '残疾人', estimatedFen: 3_600_000, beneficiaryCount: 3,
    description: '为3户重度残疾人家庭安装扶手、防滑地面、坡道和坐便器增高垫，每户先评估后施工，完工后逐户签收。',
    items: [{ name: '居家适老化改造（每户）', quantity: 3, unitFen: 1_200_000 }],
  });
  // 3. Employment help (粤海): an objection upheld at its acceptance notice; accepted again, in its second notice.
  const jobs = await propose(yuehai, 'inclusion_services', {
    title: '残疾人就业辅导与岗位对接', type: 'services', category: '就业帮扶', mainGroup: '残疾人', estimatedFen: 4_800_000, beneficiaryCount: 30,
    description: '由社工为辖区30名有就业意愿的残疾人提供一对一就业辅导，并举办4场岗位对接会，对接辖区爱心企业岗位。',
    items: [{ name: '一对一就业辅导（人次）', quantity: 60, unitFen: 50_000 }, { name: '岗位对接会（场）', quantity: 4, unitFen: 450_000 }],
  });
  // 4. Rehabilitation classes (海滨, services, three written quotes): quoting, deadline ahead.
  const rehab = await propose(haibin, 'mutual_help', {
    title: '残疾人社区康复训练课程', type: 'services', category: '康复训练', mainGroup: '残疾人', estimatedFen: 9_600_000, beneficiaryCount: 30,
    description: '由专业康复师每周两次在社区康园中心开展康复训练，全年共96节，服务30名残疾人。',
    items: [{ name: '康复训练课（节）', quantity: 96, unitFen: 100_000 }],
  });
  // 5. Canteen equipment for older residents (粤海): waiting for the district's budget approval.
  const canteen = await propose(yuehai, 'inclusion_services', {
    title: '长者饭堂适老化餐具与保温设备', type: 'goods', category: '便民服务', mainGroup: '老年人', estimatedFen: 4_500_000, beneficiaryCount: 120,
    description: '为社区长者饭堂添置保温送餐车、防滑餐具和助餐椅，服务辖区120名长者。',
    items: [{ name: '保温送餐车', quantity: 3, unitFen: 800_000 }, { name: '防滑餐具与助餐椅（套）', quantity: 30, unitFen: 70_000 }],
  });

  for (const p of [stair, adapt, jobs, rehab]) await approve(p, Number((await projects.get(district, p.id)).estimatedFen));
  await advanceTo(Date.parse(canteen.noticeEndsAt) + HOUR);
  await send(street, canteen.id, 'APPROVE', { comment: '同意，报区民政局审批。' });

  // 6. An accessible ramp (海滨): a council meeting without quorum, then a quorate one; waiting for 吉大街道.
  await propose(haibin, 'inclusion_services', {
    title: '海滨社区无障碍坡道与扶手', type: 'works', category: '公共设施', mainGroup: '残疾人', otherGroups: ['老年人'], estimatedFen: 8_000_000, beneficiaryCount: 40,
    description: '在海滨北路6号楼栋出入口新建无障碍坡道并加装双侧扶手，方便轮椅使用者和长者出行。',
    items: [{ name: '无障碍坡道（含扶手）', quantity: 1, unitFen: 8_000_000 }],
  }, true);
  // 7. An activity room for older and disabled residents (粤海): waiting for 拱北街道.
  await propose(yuehai, 'culture_sports', {
    title: '粤海社区长者与残疾人文体活动室设备', type: 'goods', category: '文体活动', mainGroup: '老年人', otherGroups: ['残疾人'], estimatedFen: 2_600_000, beneficiaryCount: 200,
    description: '为社区文体活动室添置适老化健身器材、无障碍棋牌桌和音响设备，每周开放五天。',
    items: [{ name: '适老化健身器材（套）', quantity: 4, unitFen: 400_000 }, { name: '无障碍棋牌桌', quantity: 5, unitFen: 120_000 }, { name: '音响设备', quantity: 1, unitFen: 400_000 }],
  });

  // ── procurement and delivery, once each confirmed-project notice (项目确定公示) has ended ──
  for (const p of [stair, adapt, jobs, rehab]) {
    await advanceTo(Date.parse(p.noticeEndsAt) + HOUR);
    await expectStage(p, 'procurement.preparing');
  }
  const stairItems = await contract(stair, v1, [{ name: '履带式爬楼机', quantity: 2, unitFen: 1_800_000 }], 20);
  // One contract line per household, so each household signs for its own works.
  const adaptItems = await contract(adapt, v2, [1, 2, 3].map((n) => ({ name: `第${n}户居家适老化改造`, quantity: 1, unitFen: 1_200_000 })), 60);
  const jobsItems = await contract(jobs, v3, [{ name: '一对一就业辅导（人次）', quantity: 60, unitFen: 50_000 }, { name: '岗位对接会（场）', quantity: 4, unitFen: 450_000 }], 30);

  // The stair-climbers: two delivered, one refused (its brake slips) and replaced — the first stays confirmed.
  await later(3 * DAY);
  const climber = stairItems[0]!;
  await send(v1, stair.id, 'RECORD_DELIVERY', {
    itemId: climber.id, quantity: 2, serials: ['SC-2026-0117', 'SC-2026-0118'],
    evidence: await evidence(v1, stair.id, ['交付记录：履带式爬楼机', '出厂编号 SC-2026-0117、SC-2026-0118', '已在受益人家中完成操作培训']),
  });
  await later(DAY);
  await send(stair.team.b, stair.id, 'CONFIRM_RECEIPT', { itemId: climber.id, quantity: 1, serials: ['SC-2026-0117'], comment: '已代受益人签收，设备运行正常。' });
  await send(stair.team.b, stair.id, 'DISPUTE_DELIVERY', { itemId: climber.id, quantity: 1, serials: ['SC-2026-0118'], reason: '下楼测试时履带制动打滑，退回重交。' });
  await later(3 * DAY);
  await send(v1, stair.id, 'RECORD_DELIVERY', {
    itemId: climber.id, quantity: 1, serials: ['SC-2026-0121'],
    evidence: await evidence(v1, stair.id, ['交付记录：更换的履带式爬楼机', '出厂编号 SC-2026-0121（替换 SC-2026-0118）', '制动测试合格，已重新培训']),
  });
  await later(DAY);
  await send(stair.team.b, stair.id, 'CONFIRM_RECEIPT', { itemId: climber.id, quantity: 1, serials: ['SC-2026-0121'], comment: '更换后的设备制动正常，已签收。' });
  await send(v1, stair.id, 'REQUEST_ACCEPTANCE');

  // Employment help: sessions and job fairs delivered with sign-in sheets, confirmed, accepted.
  await later(DAY);
  const [coaching, fairs] = [jobsItems[0]!, jobsItems[1]!];
  await send(v3, jobs.id, 'RECORD_DELIVERY', { itemId: coaching.id, quantity: 60, evidence: await evidence(v3, jobs.id, ['就业辅导服务记录', '一对一就业辅导60人次，附签到表', '30名服务对象中12人已与用人单位达成意向']) });
  await send(v3, jobs.id, 'RECORD_DELIVERY', { itemId: fairs.id, quantity: 4, evidence: await evidence(v3, jobs.id, ['岗位对接会记录', '共4场，参会企业18家，提供岗位46个', '附现场照片与签到表']) });
  await later(DAY);
  await send(jobs.team.a, jobs.id, 'CONFIRM_RECEIPT', { itemId: coaching.id, quantity: 60, comment: '已核对签到表。' });
  await send(jobs.team.a, jobs.id, 'CONFIRM_RECEIPT', { itemId: fairs.id, quantity: 4, comment: '已核对签到表和照片。' });
  await send(v3, jobs.id, 'REQUEST_ACCEPTANCE');

  // The first household's adaptation is done and signed for.
  const first = adaptItems[0]!;
  await send(v2, adapt.id, 'RECORD_DELIVERY', { itemId: first.id, quantity: 1, evidence: await evidence(v2, adapt.id, ['第1户居家适老化改造完工记录', '扶手、防滑地面、门口坡道已安装', '附施工前后照片']) });
  await later(DAY);
  await send(adapt.team.a, adapt.id, 'CONFIRM_RECEIPT', { itemId: first.id, quantity: 1, comment: '第1户已完工并签收。' });

  // Acceptance: the stair-climbers by the community, the residents' representative and the beneficiary (助行).
  await send(stair.team.b, stair.id, 'RECORD_ACCEPTANCE', {
    passed: true, satisfactionPct: 95, signatories: [{ role: 'community', name: '王强' }, { role: 'residents_rep', name: '陈大文' }, { role: 'beneficiary', name: '黄秀英' }],
    attachments: await evidence(stair.team.b, stair.id, ['验收报告：莲花社区爬楼机配置', '满意度95%', '签字：社区、居民代表、受益人']),
  });
  await expectStage(stair, 'acceptance_notice');
  const stairAccepted = await noticeEnd(stair.id);
  // The employment help by the community and the residents' representative (no named beneficiary signs for it).
  await send(jobs.team.b, jobs.id, 'RECORD_ACCEPTANCE', {
    passed: true, satisfactionPct: 90, signatories: [{ role: 'community', name: '林志明' }, { role: 'residents_rep', name: '何伟强' }],
    attachments: await evidence(jobs.team.b, jobs.id, ['验收报告：残疾人就业辅导与岗位对接', '满意度90%', '签字：社区、居民代表']),
  });
  await expectStage(jobs, 'acceptance_notice');
  const jobsAccepted = await noticeEnd(jobs.id);
  // During the acceptance notice a resident objects on paper; the community records it.
  await later(DAY);
  await send(jobs.team.a, jobs.id, 'OBJECT', { text: '第4场岗位对接会原定在社区党群服务中心举办，当天因场地冲突取消，并未补办，验收材料与实际不符。', contact: '粤海社区居民 刘先生 138****6621' });

  // The stair-climbers' notice ends: the payment after acceptance, the evaluation, and the warranty.
  await advanceTo(Date.parse(stairAccepted) + HOUR);
  await expectStage(stair, 'settlement');
  await send(finance, stair.id, 'RECORD_PAYMENT', { tranche: 'final', amountFen: 3_600_000 - percentOf(3_600_000, 30) - percentOf(3_600_000, 5), voucherNo: voucher(2) });
  await later(2 * DAY);
  await send(district2, stair.id, 'RECORD_EVALUATION', { score: 92, grade: '优秀', notes: '按期交付，问题设备及时更换，操作培训到位，受益人满意。' });
  await expectStage(stair, 'warranty');

  // The objection is upheld: the vendor holds the fourth job fair, and acceptance is held again.
  await advanceTo(Date.parse(jobsAccepted) + HOUR);
  await expectStage(jobs, 'acceptance_objection_review');
  await send(jobs.team.b, jobs.id, 'UPHOLD_OBJECTION', { response: '经核实，第4场岗位对接会确未举办。异议成立，责成服务机构补办后重新验收。' });
  await later(5 * DAY);
  await send(v3, jobs.id, 'RECTIFIED', { evidence: await evidence(v3, jobs.id, ['整改报告：补办第4场岗位对接会', `${today()} 在社区党群服务中心举办`, '参会企业5家，提供岗位11个，附签到表']) });
  await expectStage(jobs, 'acceptance');

  // ── the last days ──────────────────────────────────────────────────────────────────────────
  // The rehabilitation classes: only the vendors that supply services are invited (not the builder).
  await advanceTo(now - 5 * DAY);
  await send(rehab.team.a, rehab.id, 'INVITE', { vendorIds: await fitting('services'), deadline: new Date(now + 5 * DAY).toISOString() });
  await later(DAY);
  await send(v3, rehab.id, 'SUBMIT_QUOTE', { amountFen: 9_200_000, validUntil: today(60) });
  await later(DAY);
  await send(v4, rehab.id, 'SUBMIT_QUOTE', { amountFen: 9_450_000, validUntil: today(60) });
  await later(HOUR);
  await send(v1, rehab.id, 'SUBMIT_QUOTE', { amountFen: 9_500_000, validUntil: today(60) });

  // 8. Home visits (海滨): in its public notice now.
  await propose(haibin, 'mutual_help', {
    title: '重度残疾人上门探访与心理慰藉', type: 'services', category: '探访慰藉', mainGroup: '残疾人', estimatedFen: 4_800_000, beneficiaryCount: 20,
    description: '每周一次上门探访、心理慰藉与康复指导，服务20户，全年共计960人次。',
    items: [{ name: '上门探访服务（人次）', quantity: 960, unitFen: 5_000 }],
  });
  // The employment help accepted again: in its second acceptance notice now.
  await send(jobs.team.b, jobs.id, 'RECORD_ACCEPTANCE', {
    passed: true, satisfactionPct: 92, signatories: [{ role: 'community', name: '林志明' }, { role: 'residents_rep', name: '何伟强' }],
    attachments: await evidence(jobs.team.b, jobs.id, ['重新验收报告：残疾人就业辅导与岗位对接', '整改已完成，满意度92%', '签字：社区、居民代表']),
  });
  await expectStage(jobs, 'acceptance_notice');
  // 9. A proposal in screening (莲花), and 10. a draft (海滨).
  const tutoring = await projects.create(lianhua.a, {
    title: '困境儿童课后托管与学业辅导', type: 'services', category: '便民服务', mainGroup: '困境儿童', otherGroups: ['学生'], estimatedFen: 3_000_000, beneficiaryCount: 25,
    description: '为辖区25名困境儿童提供工作日课后托管、作业辅导和周末阅读活动。',
    items: [{ name: '课后托管（人·月）', quantity: 250, unitFen: 12_000 }],
  });
  await send(lianhua.a, tutoring.id, 'SUBMIT');
  await projects.create(haibin.a, {
    title: '海滨社区助行器具租借点', type: 'goods', category: '助行', mainGroup: '残疾人', otherGroups: ['老年人'], estimatedFen: 1_800_000, beneficiaryCount: 60,
    description: '设立助行器具租借点，配置轮椅、助行器和拐杖，供行动不便的居民短期免费借用。',
    items: [{ name: '轮椅', quantity: 6, unitFen: 150_000 }, { name: '助行器', quantity: 10, unitFen: 60_000 }, { name: '多脚拐杖', quantity: 10, unitFen: 30_000 }],
  });
  await advanceTo(now);
  return [stair.id, adapt.id, jobs.id, rehab.id, canteen.id];
}
