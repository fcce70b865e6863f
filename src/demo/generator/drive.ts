// Drives planned projects through the real engine on the sandbox clock. Every project is a story
// (an async generator) that acts as the district's people would — community staff, the street, the
// district, finance, vendors, and now and then a resident objecting — through the project service,
// the same calls the pages and the API make. A story yields the instant it next acts at; one
// scheduler runs all of them in time order, moving the manual clock forward and letting the engine's
// timer worker fire what fell due on the way (notices ending, quote deadlines, review reminders,
// overdue deliveries, warranties), at the time it fell due. Nothing writes a table directly.
import type { User } from '../../auth/users.js';
import type { Db } from '../../lib/db.js';
import type { ManualClock } from '../../lib/clock.js';
import type { Engine } from '../../engine/engine.js';
import type { TimerWorker } from '../../engine/timers.js';
import type { ProjectService } from '../../projects/project-service.js';
import type { DocumentService } from '../../documents/document-service.js';
import type { VendorRecordService } from '../../vendors/vendor-records.js';
import { isAppError } from '../../errors.js';
import { paymentPlan, procurementMethod, requiredSignatories, type ProgrammeRules, type ProjectContext } from '../../../workflows/project/index.js';
import type { DocumentKind } from '../../../workflows/project/project.rules.js';
import { demoPdf } from '../demo-pdf.js';
import type { ProjectPlan } from './plan.js';
import type { Rng } from './rng.js';
import { DAY, HOUR, dateOf, type OfficeHours } from './time.js';

export interface Team {
  /** proposes, buys, answers objections */
  a: User;
  /** the colleague who screens, confirms receipt and accepts (four-eyes) */
  b: User;
  street: User;
}

export interface Cast {
  teams: Map<string, Team>;
  /** the two district officers: one approves a budget, the other evaluates the project */
  district: [User, User];
  finance: User;
  /** vendor users by the type their company supplies */
  vendors: Record<'goods' | 'works' | 'services', User[]>;
}

export interface DriveDeps {
  db: Db;
  clock: ManualClock;
  timers: TimerWorker;
  engine: Engine;
  projects: ProjectService;
  documents: DocumentService;
  /** which vendors the rules version lets a project of a type invite or award now */
  vendorRecords: Pick<VendorRecordService, 'eligibility'>;
}

export interface DriveProgress {
  /** stories that have ended (their project reached where the plan leaves it, or the run's end) */
  done: number;
  total: number;
  /** events sent by people, and fired by timers */
  events: number;
  timerEvents: number;
  /** the sandbox clock */
  clockMs: number;
  startMs: number;
  untilMs: number;
}

export interface DriveResult {
  ids: string[];
  events: number;
  timerEvents: number;
}

type Story = AsyncGenerator<number, void, void>;

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'.split('');
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华建国志红玲梅林丹萍鹏辉宇浩凯婷雪燕颖晨欣彤瑞博文斌琳晶健俊海波宁峰云飞'.split('');
export const personName = (rng: Rng) => rng.pick(SURNAMES) + rng.pick(GIVEN) + (rng.chance(0.6) ? rng.pick(GIVEN) : '');

const checklist = (positiveArea: string) => ({ positiveArea, negativeItems: { property_management: false, duplicate_government: false }, duplicate: false });

/** A min-heap of stories by the instant they next act at (ties: the order they were scheduled in). */
class Agenda {
  private heap: Array<{ at: number; seq: number; story: Story; plan: ProjectPlan }> = [];
  private seq = 0;
  get size() { return this.heap.length; }
  peek() { return this.heap[0]; }
  push(at: number, story: Story, plan: ProjectPlan) {
    const h = this.heap;
    h.push({ at, seq: this.seq++, story, plan });
    for (let i = h.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (this.less(h[p]!, h[i]!)) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }
  pop() {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
  private less(a: { at: number; seq: number }, b: { at: number; seq: number }) {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
}

export async function drivePlans(
  deps: DriveDeps,
  input: { plans: ProjectPlan[]; cast: Cast; rules: ProgrammeRules; office: OfficeHours; rng: Rng; startMs: number; untilMs: number; onProgress?: (p: DriveProgress) => void },
): Promise<DriveResult> {
  const { clock, timers, projects, documents, engine, db } = deps;
  const { cast, rules, office, untilMs } = input;
  let events = 0;
  let timerEvents = 0;
  let done = 0;
  const ids: string[] = new Array(input.plans.length);

  const moveTo = (ms: number) => {
    if (ms > clock.now().getTime()) clock.set(ms);
  };

  function story(plan: ProjectPlan): Story {
    const rng = input.rng.fork(`story:${plan.n}`);
    return run(plan, rng);
  }

  async function* run(plan: ProjectPlan, rng: Rng): Story {
    const t = plan.template;
    const team = cast.teams.get(plan.community.id);
    if (!team) throw new Error(`demo year: no staff for ${plan.community.id}`);
    const [approver, evaluator] = rng.chance(0.5) ? cast.district : [cast.district[1], cast.district[0]];
    const now = () => clock.now().getTime();
    const fast = plan.fast;
    /** some working days later (fewer for a project that must close in time) */
    const later = (min: number, max: number) => office.later(now(), rng, fast ? Math.min(min, 0.2) : min, fast ? Math.min(max, 1) : max);
    const stallToEnd = (workingDaysBefore: number) => Math.max(office.next(now() + HOUR, rng), office.next(untilMs - workingDaysBefore * 1.5 * DAY, rng));
    const today = (plusDays = 0) => dateOf(now() + plusDays * DAY);

    const created = await projects.create(team.a, {
      title: plan.title, type: t.type, category: t.category, mainGroup: t.group, otherGroups: plan.otherGroups, budgetYear: plan.year,
      estimatedFen: plan.estimatedFen, description: plan.description, items: plan.items, beneficiaryCount: plan.beneficiaryCount,
    });
    events++;
    const id = created.id;
    const ref = created.ref;
    ids[plan.n] = id;
    const context = async () => (await engine.get(id)).snapshot as { value: unknown; context: ProjectContext };
    // the state alone: a story asks after every wait (a timer may have moved it), and the snapshot is most of the row
    const state = async () => String((await db('workflow_instances').where({ id }).first('state'))?.state);
    const send = async (user: User | null, type: string, payload: Record<string, unknown> = {}) => {
      try {
        const r = await projects.send(user, id, { type, ...payload });
        events++;
        return r.state;
      } catch (err) {
        const detail = isAppError(err) ? ` ${JSON.stringify({ code: err.code, reasons: (err as { reasons?: unknown }).reasons, fields: (err as { fields?: unknown }).fields })}` : '';
        throw new Error(`demo year: ${ref} (${plan.outcome}) ${type} in ${await state()}: ${(err as Error).message}${detail}`, { cause: err });
      }
    };
    const expect = async (...states: string[]) => {
      const s = await state();
      if (!states.includes(s)) throw new Error(`demo year: ${ref} (${plan.outcome}) is in ${s}, expected ${states.join(' or ')}`);
      return s;
    };
    const doc = async (user: User, kind: DocumentKind, lines: string[]) =>
      (await documents.storeForProject(user, id, [{ field: 'evidence', originalname: `${lines[0]}.pdf`, buffer: demoPdf(lines), size: 0 }], { kind })).evidence!;
    const noticeEnd = async () => Date.parse(String((await context()).context.noticeEndsAt));
    const afterNotice = async () => office.later(Math.max(now(), await noticeEnd()), rng, 0.1, fast ? 0.5 : 2);
    const o = plan.outcome;

    // ── proposal ──────────────────────────────────────────────────────────────────────────────
    if (o === 'draft' && plan.variants.proposalObjection !== 'upheld') {
      if (rng.chance(0.4)) {
        yield later(1, 10);
        await send(team.a, 'EDIT', { fields: { description: `${plan.description}（已补充服务对象名单和实施计划。）` } });
      }
      return;
    }
    if (o === 'withdrawn') {
      yield later(3, 20);
      await send(team.a, 'WITHDRAW', { reason: rng.pick(['与区残联年度项目重复，撤回申报。', '居民需求已由物业解决，撤回。', '实施场地暂不具备条件，撤回申报。']) });
      return;
    }
    yield later(0.1, 2);
    await send(team.a, 'SUBMIT');
    if (plan.variants.returnedAtScreening) {
      yield later(1, 3);
      await send(team.b, 'RETURN', { reason: '请补充服务对象名单和实施计划后重新提交。' });
      yield later(1, 4);
      await send(team.a, 'EDIT', { fields: { description: `${plan.description}（已补充服务对象名单和实施计划。）` } });
      yield later(0.1, 1);
      await send(team.a, 'SUBMIT');
    }
    if (o === 'screening') return;
    yield later(1, 3);
    if (o === 'rejected_screening') {
      await send(team.b, 'REJECT', { reason: rng.pick(['属于物业管理服务范围，不予立项。', '与政府投资项目重复，不予立项。', '与本年度已立项项目重复。']) });
      return;
    }
    await send(team.b, 'SCREEN_PASS', { checklist: checklist(t.area), comment: '符合正面清单，未发现负面清单事项和重复立项。' });
    if (plan.variants.comment) await send(team.street, 'COMMENT', { text: '请在议事会上说明受益对象的确定方式。' });
    if (o === 'deliberation' && !plan.variants.voidMeeting) return;
    yield later(2, 8);
    const members = rng.int(9, 15);
    if (plan.variants.voidMeeting) {
      const present = Math.ceil((members * 2) / 3) - rng.int(1, 2);
      const minutes = await doc(team.a, 'minutes', ['居民议事会会议记录（未达到规定到会比例）', `项目 ${ref}：${plan.title}`, `应到${members}人，实到${present}人，本次会议不作表决结论。`]);
      await send(team.a, 'RECORD_DELIBERATION', { members, present, for: present, against: 0, abstain: 0, heldOn: today(), minutes: minutes[0], comment: '到会人数不足，另行召开。' });
      if (o === 'deliberation') return;
      yield later(3, 8);
    }
    if (o === 'public_notice') yield stallToEnd(2);
    const present = rng.int(Math.ceil((members * 2) / 3), members);
    if (o === 'rejected_vote') {
      const against = Math.floor(present / 2) + 1;
      const minutes = await doc(team.a, 'minutes', ['居民议事会会议记录', `项目 ${ref}：${plan.title}`, `应到${members}人，实到${present}人：赞成${present - against}人，反对${against}人。未获通过。`]);
      await send(team.a, 'RECORD_DELIBERATION', { members, present, for: present - against, against, abstain: 0, heldOn: today(), minutes: minutes[0], comment: '多数居民代表认为该需求可由其他渠道解决。' });
      await expect('rejected');
      return;
    }
    const abstain = rng.int(0, 1);
    const against = rng.int(0, Math.max(0, Math.floor(present / 2) - 1 - abstain));
    const minutes = await doc(team.a, 'minutes', ['居民议事会会议记录', `项目 ${ref}：${plan.title}`, `应到${members}人，实到${present}人：赞成${present - against - abstain}人，反对${against}人，弃权${abstain}人。`]);
    await send(team.a, 'RECORD_DELIBERATION', { members, present, for: present - against - abstain, against, abstain, heldOn: today(), minutes: minutes[0], comment: '居民议事会表决通过。' });
    await expect('public_notice');
    if (plan.variants.proposalObjection) {
      yield office.later(now(), rng, 1, 3);
      await send(null, 'OBJECT', { text: rng.pick(['该项目受益对象名单未公开，希望说明确定方式。', '同类服务去年已由街道购买，是否重复？', '施工期间噪音和占道问题希望提前告知。']), contact: `居民 ${rng.pick(SURNAMES)}先生 138****${rng.int(1000, 9999)}` });
    }
    if (o === 'public_notice') return;
    yield await afterNotice();
    if ((await state()) === 'objection_review') {
      if (o === 'objection_review') return;
      yield later(1, 3);
      if (plan.variants.proposalObjection === 'upheld') {
        await send(team.a, 'UPHOLD_OBJECTION', { response: '经核实，异议成立。项目退回修改，调整受益对象后重新申报。' });
        await expect('draft');
        return;
      }
      await send(team.a, 'DISMISS_OBJECTIONS', { response: '经核实，受益对象经入户评估确定，与已有项目不重复，异议不成立。' });
    }
    await expect('street_review');
    if (o === 'street_review' || o === 'draft') return;
    yield later(1, o === 'closed' ? 1 : 6);
    if (o === 'rejected_street') {
      await send(team.street, 'REJECT', { reason: rng.pick(['项目预算明显高于同类项目，不予通过。', '服务内容与街道已购买服务重复。']) });
      return;
    }
    if (o === 'cancelled_before') {
      await send(approver, 'CANCEL', { reason: '经区民政局统筹，该需求并入全区统一采购项目，本项目取消。' });
      return;
    }
    await send(team.street, 'APPROVE', { comment: '材料齐全，同意，报区民政局审批。' });
    if (o === 'budget_approval') return;
    yield later(1, 5);
    if (o === 'rejected_budget') {
      await send(approver, 'REJECT', { reason: '本年度资金已统筹安排，项目不予立项。' });
      return;
    }
    if (o === 'confirmation_notice') yield stallToEnd(2);
    const approvedFen = plan.approvedFen!;
    await send(approver, 'APPROVE_BUDGET', { approvedFen });
    await expect('confirmation_notice');
    if (plan.variants.confirmationObjection) {
      yield office.later(now(), rng, 1, 3);
      await send(null, 'OBJECT', { text: '该项目预算与往年同类项目相比偏高，请说明。' });
    }
    if (o === 'confirmation_notice') return;
    yield await afterNotice();
    if ((await state()) === 'confirmation_objection_review') {
      yield later(1, 3);
      if (plan.variants.confirmationObjection === 'upheld') {
        await send(team.a, 'UPHOLD_OBJECTION', { response: '经核实，部分单价偏高，报区民政局重新审核预算。' });
        await expect('budget_approval');
        yield later(2, 5);
        await send(approver, 'APPROVE_BUDGET', { approvedFen });
        yield await afterNotice();
      } else {
        await send(team.a, 'DISMISS_OBJECTIONS', { response: '经核实，预算按市场询价编制，异议不成立。' });
      }
    }
    await expect('procurement.preparing');
    if (o === 'cancelled_after') {
      yield later(5, 30);
      await send(approver, 'CANCEL', { reason: rng.pick(['受益对象已由区残联项目覆盖，项目取消。', '实施场地无法落实，项目取消。', '供应商无法在本年度实施，项目取消。']) });
      return;
    }
    if (o === 'procurement.preparing') return;

    // ── procurement ──────────────────────────────────────────────────────────────────────────
    // A district invites only the vendors the rules allow today (a vendor registered in 2015 is
    // too new for a 2016 service project): the same rule functions the engine's guard uses.
    const allowed = await deps.vendorRecords.eligibility(rules, t.type, cast.vendors[t.type].map((v) => v.vendorId!));
    const fitting = cast.vendors[t.type].filter((v) => allowed.get(v.vendorId!)?.reasons.length === 0);
    if (fitting.length === 0) throw new Error(`demo year: ${ref} (${plan.outcome}) no ${t.type} vendor is eligible on ${today()}`);
    const contractFen = plan.contractFen!;
    let vendor: User;
    const method = procurementMethod(rules, approvedFen, t.type);
    if (method === 'direct') {
      if (o === 'procurement.contracting' && rng.chance(0.5)) {
        yield later(2, 10);
      }
      yield later(1, 5);
      vendor = rng.pick(fitting);
      await send(team.a, 'AWARD', { vendorId: vendor.vendorId, amountFen: contractFen, justification: '金额低于直接采购限额，供应商资质与报价经社区比选合理。' });
    } else {
      const need = rules.procurement.minQuotes[method];
      if (o === 'procurement.quoting') yield stallToEnd(4);
      else yield later(2, 8);
      let round = 0;
      for (;;) {
        round++;
        const invited = rng.shuffle(fitting).slice(0, Math.min(fitting.length, need + rng.int(0, 1)));
        const deadlineMs = o === 'procurement.quoting' ? untilMs + 5 * DAY : office.addWorkingDays(now(), rng.int(5, 8)) ;
        const deadline = new Date(Math.floor(deadlineMs / DAY) * DAY + 9 * HOUR).toISOString(); // 17:00 Shanghai
        await send(team.a, 'INVITE', { vendorIds: invited.map((v) => v.vendorId), deadline });
        const failing = plan.variants.failedTender && round === 1;
        const quoting = o === 'procurement.quoting' ? invited.slice(0, rng.int(0, need - 1)) : failing ? invited.slice(0, need - 1) : invited;
        // the winner quotes the contract's amount; the others a little more
        const offers = quoting.map((v, i) => ({ v, amountFen: i === 0 ? contractFen : Math.min(approvedFen + 100 * rng.int(0, 2000), contractFen + 100 * rng.int(100, 5000)) }));
        for (const q of rng.shuffle(offers)) {
          yield office.later(now(), rng, 0.5, 3);
          if (now() >= Date.parse(deadline) - HOUR) break;
          await send(q.v, 'SUBMIT_QUOTE', { amountFen: q.amountFen, validUntil: today(90) });
        }
        if (o === 'procurement.quoting') return;
        yield office.later(Date.parse(deadline), rng, 0.2, 2);
        await expect('procurement.evaluating');
        if (o === 'procurement.evaluating') return;
        const ctx = (await context()).context;
        const quoted = Object.keys(ctx.procurement?.quotes ?? {});
        if (quoted.length < need) {
          await send(team.a, 'DECLARE_FAILED', { reason: `有效报价不足${need}家，流标，重新邀请报价。` });
          yield later(2, 5);
          continue;
        }
        // an offer above the approved amount cannot be awarded (the winner may have missed the deadline)
        const best = offers.filter((q) => quoted.includes(q.v.vendorId!) && q.amountFen <= approvedFen).sort((a, b) => a.amountFen - b.amountFen)[0];
        if (!best) {
          await send(team.a, 'DECLARE_FAILED', { reason: '有效报价均超出批复预算，流标，重新邀请报价。' });
          yield later(2, 5);
          continue;
        }
        vendor = best.v;
        await send(team.a, 'AWARD', { vendorId: vendor.vendorId, amountFen: best.amountFen, justification: `${quoted.length}家供应商报价，选择报价最低且满足要求的供应商。` });
        break;
      }
    }
    await expect('procurement.contracting');
    if (o === 'procurement.contracting') return;
    yield later(1, 4);
    const awarded = (await context()).context.awardedFen ?? contractFen;
    const dueDays = t.type === 'goods' ? rng.int(10, 30) : t.type === 'works' ? rng.int(20, 60) : rng.int(30, 120);
    const dueIn = fast ? Math.min(dueDays, 12) : dueDays;
    const items = plan.items.length > 0 ? itemsOf(plan, awarded) : [];
    await send(team.a, 'SIGN_CONTRACT', { contractNo: `HT-${today().replaceAll('-', '')}-${ref.slice(-4)}`, items, amountFen: awarded, dueOn: today(dueIn) });
    yield later(0.2, 2);
    await send(vendor, 'CONFIRM_CONTRACT');
    await expect('delivery');
    const pay = paymentPlan(rules, awarded, t.type);
    yield later(1, 4);
    await send(cast.finance, 'RECORD_PAYMENT', { tranche: 'advance', amountFen: pay.advance, voucherNo: `PZ-${today().replaceAll('-', '')}-${ref.slice(-4)}-1` });

    // ── delivery ─────────────────────────────────────────────────────────────────────────────
    const contractItems = (await context()).context.contract!.items;
    const deliverAt = (share: number) => office.next(now() + Math.round(dueIn * share * DAY), rng);
    let serialNo = 0;
    const serialsFor = (n: number) => Array.from({ length: n }, () => `${t.serials}-${plan.year}-${ref.slice(-4)}${String(++serialNo).padStart(2, '0')}`);
    for (const [k, item] of contractItems.entries()) {
      if (o === 'delivery' && k === contractItems.length - 1) return; // the last line is still to come
      yield fast ? later(1, 3) : deliverAt(rng.next() * 0.6 + 0.2);
      const withSerials = Boolean(t.serials) && k === 0;
      const serials = withSerials ? serialsFor(item.quantity) : undefined;
      const evidence = await doc(vendor, 'delivery_evidence', [t.evidence, `项目 ${ref}：${item.name} × ${item.quantity}`, ...(serials ? [`出厂编号 ${serials.join('、')}`] : []), `交付日期 ${today()}`]);
      await send(vendor, 'RECORD_DELIVERY', { itemId: item.id, quantity: item.quantity, ...(serials ? { serials } : {}), evidence });
      yield later(0.5, 3);
      if (plan.variants.dispute && k === 0) {
        const bad = serials ? [serials.at(-1)!] : undefined;
        if (item.quantity > 1) await send(team.b, 'CONFIRM_RECEIPT', { itemId: item.id, quantity: item.quantity - 1, ...(serials ? { serials: serials.slice(0, -1) } : {}) });
        await send(team.b, 'DISPUTE_DELIVERY', { itemId: item.id, quantity: 1, ...(bad ? { serials: bad } : {}), reason: '现场测试发现故障，退回重交。' });
        yield later(2, 5);
        const again = withSerials ? serialsFor(1) : undefined;
        const ev = await doc(vendor, 'delivery_evidence', [`${t.evidence}（更换）`, `项目 ${ref}：${item.name} × 1`, ...(again ? [`出厂编号 ${again[0]}`] : [])]);
        await send(vendor, 'RECORD_DELIVERY', { itemId: item.id, quantity: 1, ...(again ? { serials: again } : {}), evidence: ev });
        yield later(0.5, 2);
        await send(team.b, 'CONFIRM_RECEIPT', { itemId: item.id, quantity: 1, ...(again ? { serials: again } : {}), comment: '更换后设备运行正常，已签收。' });
      } else {
        await send(team.b, 'CONFIRM_RECEIPT', { itemId: item.id, quantity: item.quantity, ...(serials ? { serials } : {}) });
      }
    }
    if (o === 'delivery') return;
    await send(vendor, 'REQUEST_ACCEPTANCE');
    await expect('acceptance');
    if (o === 'acceptance') return;

    // ── acceptance ───────────────────────────────────────────────────────────────────────────
    const signatories = () => requiredSignatories(rules, t.type, t.category).map((role) => ({ role, name: role === 'community' ? team.b.name.replace(/（.*$/, '') : personName(rng) }));
    yield later(1, 5);
    if (plan.variants.acceptanceFailed) {
      await send(team.b, 'RECORD_ACCEPTANCE', { passed: false, satisfactionPct: rng.int(60, 78), signatories: signatories(), defects: '部分服务记录缺少受益人签字，现场抽查发现问题，需整改。' });
      await expect('rectification');
      if (o === 'rectification') return;
      yield later(3, 10);
      await send(vendor, 'RECTIFIED', { evidence: await doc(vendor, 'delivery_evidence', ['整改报告', `项目 ${ref}：${plan.title}`, '已补齐签字并完成返工，附照片。']) });
      yield later(1, 3);
    }
    if (o === 'acceptance_notice') yield stallToEnd(2);
    const accept = async () => {
      const pct = rng.int(85, 100);
      const report = await doc(team.b, 'acceptance_report', [`验收报告：${plan.title}`, `项目 ${ref}，满意度${pct}%`, `签字：${requiredSignatories(rules, t.type, t.category).join('、')}`]);
      await send(team.b, 'RECORD_ACCEPTANCE', { passed: true, satisfactionPct: pct, signatories: signatories(), attachments: report });
    };
    await accept();
    await expect('acceptance_notice');
    if (plan.variants.acceptanceObjection) {
      yield office.later(now(), rng, 1, 3);
      await send(null, 'OBJECT', { text: '验收材料中的服务次数与实际不符，请核查。' });
    }
    if (o === 'acceptance_notice') return;
    yield await afterNotice();
    if ((await state()) === 'acceptance_objection_review') {
      yield later(1, 3);
      if (plan.variants.acceptanceObjection === 'upheld') {
        await send(team.a, 'UPHOLD_OBJECTION', { response: '经核实，部分服务未按合同完成，责成服务机构补足后重新验收。' });
        yield later(3, 8);
        await send(vendor, 'RECTIFIED', { evidence: await doc(vendor, 'delivery_evidence', ['整改报告：补足服务', `项目 ${ref}`, '附签到表与照片']) });
        yield later(1, 3);
        await accept();
        yield await afterNotice();
        if ((await state()) === 'acceptance_objection_review') await send(team.a, 'DISMISS_OBJECTIONS', { response: '经核实，整改已完成，异议不成立。' });
      } else {
        await send(team.a, 'DISMISS_OBJECTIONS', { response: '经核实，服务次数与签到表一致，异议不成立。' });
      }
    }
    await expect('settlement');
    if (o === 'settlement') return;

    // ── payment, evaluation, warranty ────────────────────────────────────────────────────────
    yield later(1, 8);
    await send(cast.finance, 'RECORD_PAYMENT', { tranche: 'final', amountFen: pay.final, voucherNo: `PZ-${today().replaceAll('-', '')}-${ref.slice(-4)}-2` });
    await expect('evaluation');
    if (o === 'evaluation') return;
    yield later(2, 12);
    const score = rng.int(72, 98);
    await send(evaluator, 'RECORD_EVALUATION', { score, grade: score >= 90 ? '优秀' : score >= 80 ? '良好' : '合格', notes: score >= 90 ? '按期保质完成，受益人满意度高。' : '基本按合同完成，台账资料需进一步规范。' });
    await expect(pay.retention > 0 ? 'warranty' : 'closed');
    if (o === 'warranty' || pay.retention === 0) return;
    const ends = Date.parse(String((await context()).context.warrantyEndsAt));
    yield office.later(ends, rng, 0.5, 5);
    await send(cast.finance, 'RELEASE_RETENTION', { amountFen: pay.retention, voucherNo: `PZ-${today().replaceAll('-', '')}-${ref.slice(-4)}-3` });
    await expect('closed');
  }

  const agenda = new Agenda();
  for (const p of input.plans) agenda.push(p.createAt, story(p), p);
  const report = () => input.onProgress?.({ done, total: input.plans.length, events: events + timerEvents, timerEvents, clockMs: clock.now().getTime(), startMs: input.startMs, untilMs });
  let steps = 0;
  for (;;) {
    const top = agenda.peek();
    const due = await timers.nextDue();
    const stepAt = top && top.at <= untilMs ? top.at : null;
    if (due !== null && due <= untilMs && (stepAt === null || due <= stepAt)) {
      moveTo(due);
      const r = await timers.runDue();
      timerEvents += r.fired;
      continue;
    }
    if (stepAt === null) break;
    agenda.pop();
    moveTo(stepAt);
    const r = await top!.story.next();
    if (r.done) done++;
    else agenda.push(r.value, top!.story, top!.plan);
    if (++steps % 50 === 0) report();
  }
  // the stories that would act after the end stop where they are
  done += agenda.size;
  moveTo(untilMs);
  timerEvents += (await timers.runDue()).fired;
  report();
  return { ids, events, timerEvents };
}

/** The contract's lines for the awarded amount: the proposal's lines, priced to add up to it. */
function itemsOf(plan: ProjectPlan, amountFen: number) {
  const main = plan.items[0]!;
  const qty = main.quantity;
  let unit = Math.floor((amountFen * (1 - plan.extraShare)) / qty / 100) * 100;
  if (unit <= 0) unit = Math.max(1, Math.floor(amountFen / qty));
  const rest = amountFen - unit * qty;
  return rest > 0 ? [{ name: main.name, quantity: qty, unitFen: unit }, { name: plan.template.extra.name, quantity: 1, unitFen: rest }] : [{ name: main.name, quantity: qty, unitFen: unit }];
}
