// The lockdown scenario (issue 15 item 7): a district's care-call platform during a lockdown, run
// through the real services on the sandbox clock so that its report shows the figures of the
// district's own report. From the civil-affairs lists, the disabled residents of the locked-down
// street (拱北街道: 莲花 and 粤海) are on the register — 647 of them, counting any already there;
// the district builds a campaign over them that calls the severely disabled (一级, 二级) every day
// and the others until they are reached once; six operators (话务员) call their shares for eight
// days: 2,278 calls that raise 35 needs; community staff resolve some directly and refer the rest to
// the street or the neighbouring community, whose staff resolve them a day or a few later.
//
// The figures: 230 severely disabled × 8 days = 1,840 calls (their missed calls are calls too), the
// other 417 reached once each = 417 calls, 21 of them missed on the first try and reached the next
// day = 21 calls; 1,840 + 417 + 21 = 2,278. Every call goes through CampaignService.logCall as an
// operator's form would (the resident taken from that operator's call list of the day, 409 if not
// due), every need through NeedService.send by the staff the workflow lets act.
//
// Deterministic: one seeded PRNG (generator/rng.ts) draws the residents, the plan and the times;
// beneficiary ids are drawn from it too, so the campaign's order and shares are the same on every
// run. The clock only moves forward from where it stands: the lists arrive and the campaign is
// built at the clock's time, the calls start the next day at 09:00 (Asia/Shanghai), and the last
// referral is resolved at most LOCKDOWN_SPAN_DAYS after that. The caller places the clock: the CLI
// `weishishi seed --lockdown` (src/cli.ts, which says why it is not part of `npm start`'s seed)
// rewinds its sandbox to lockdownStartFor(now), then puts it back; tests start it where they like.
// It takes about 5 s on SQLite with the CLI's bulk load (no fsync per transaction), ~30 s without,
// ~40 s on PostgreSQL: 2,278 calls are 2,278 transactions of the campaign service.
import type { Db } from '../lib/db.js';
import type { ManualClock } from '../lib/clock.js';
import type { User, UserService } from '../auth/users.js';
import type { BeneficiaryService } from '../beneficiaries/beneficiaries.js';
import type { CampaignService } from '../campaigns/campaign-service.js';
import type { NeedService } from '../needs/need-service.js';
import type { TimerWorker } from '../engine/timers.js';
import type { NeedType } from '../../workflows/need/index.js';
import { createRng, type Rng } from './generator/rng.js';
import { at, dateOf, DAY } from './generator/time.js';
import { createDemoUser, DEMO_IDS } from './seed.js';

const MINUTE = 60_000;

/** The figures the scenario reproduces. */
export const LOCKDOWN = {
  name: '疫情封控期间残疾人关爱电话（拱北街道）',
  street: DEMO_IDS.streets.gongbei,
  communities: [DEMO_IDS.communities.lianhua, DEMO_IDS.communities.yuehai] as const,
  residents: 647,
  /** 一级 and 二级, called every day */
  severe: 230,
  days: 8,
  /** residents called once who were missed on the first try (and reached the next day) */
  onceMisses: 21,
  calls: 2278,
  needs: 35,
  operators: 6,
  dailyLevels: ['一级', '二级'],
  levels: ['一级', '二级', '三级', '四级'],
} as const;

/**
 * Calendar days the scenario may take from the clock's start: the day the lists come, 8 days of
 * calls, the last referral resolved within 3 days and its resident told by the next morning.
 */
export const LOCKDOWN_SPAN_DAYS = 1 + LOCKDOWN.days + 5;

/** Where to start the clock so that the scenario is over before `nowMs`: 17:00 (Shanghai) LOCKDOWN_SPAN_DAYS days before its day. */
export const lockdownStartFor = (nowMs: number): number => at(dateOf(nowMs - LOCKDOWN_SPAN_DAYS * DAY), 17);

export interface LockdownDeps {
  db: Db;
  /** The engine's clock, manual: moved forward day by day. */
  clock: ManualClock;
  users: UserService;
  beneficiaries: BeneficiaryService;
  campaigns: CampaignService;
  needs: NeedService;
  /** When given, due timers fire each morning, as the worker would fire them. */
  timers?: TimerWorker;
}

export interface LockdownSummary {
  campaignId: string;
  startOn: string;
  endOn: string;
  residents: number;
  /** residents this run put on the register (the rest were there) */
  registered: number;
  calls: number;
  reached: number;
  needs: number;
  routes: Record<Route, number>;
  escalations: number;
  startedAt: string;
  endedAt: string;
  ms: number;
}

type Route = 'direct' | 'street' | 'community';

interface Story {
  type: NeedType;
  route: Route;
  /** what the resident asked for ({other}: the neighbouring community's name) */
  description: string;
  /** the referral's note (street and community routes) */
  refer?: string;
  resolution: string;
  /** the call telling the resident the outcome */
  inform?: string;
}

// Problems and needs as a lockdown brings them: food and medicine, transport to dialysis, carers
// shut out, equipment broken, loneliness. 15 resolved directly, 12 by the street, 8 by the other community.
const STORIES: Story[] = [
  { type: 'supplies', route: 'direct', description: '家中大米和食用油快用完，封控期间无法外出购买。', resolution: '社区志愿者当天送去大米5公斤、食用油1桶，放在门口并电话确认收到。' },
  { type: 'supplies', route: 'street', description: '需要成人纸尿裤，附近药店停业，社区储备已发完。', refer: '社区无库存，请街道从应急物资中调配。', resolution: '街道应急物资库调拨成人纸尿裤2包，由网格员送到家。', inform: '已电话告知居民物资送到门口。' },
  { type: 'supplies', route: 'direct', description: '家中蔬菜和肉类短缺，老人不会用手机团购。', resolution: '网格员代为团购蔬菜包，当天下午送到家门口。', inform: '已电话告知居民蔬菜包已送到。' },
  { type: 'supplies', route: 'street', description: '轮椅使用者，家中饮用水不足，住无电梯楼房6楼。', refer: '无电梯楼房，需街道协调配送人员送水上楼。', resolution: '街道协调供水企业送桶装水4桶，配送员送上6楼。', inform: '已电话回访，居民确认收到。' },
  { type: 'supplies', route: 'community', description: '居民封控期间暂住在{other}亲属家，需要当地配送生活物资。', refer: '居民现暂住{other}，请该社区就近配送生活物资包。', resolution: '{other}网格员已送生活物资包一份到居民暂住处。', inform: '已电话告知居民，{other}已送达物资。' },
  { type: 'supplies', route: 'direct', description: '口罩和消毒用品用完，家人需要每日核酸检测。', resolution: '社区送去口罩20只、消毒液2瓶。' },
  { type: 'supplies', route: 'street', description: '家中煤气罐用尽，无法做饭。', refer: '需街道协调燃气公司在封控期间上门换气。', resolution: '街道协调燃气公司工作人员按防疫要求上门更换煤气罐。', inform: '已电话告知居民，已恢复做饭。' },
  { type: 'supplies', route: 'direct', description: '糖尿病患者，需要无糖食品和血糖试纸。', resolution: '社区联系辖区药店配送血糖试纸1盒，并送去无糖食品。' },
  { type: 'supplies', route: 'community', description: '居民的女儿在{other}居住，平时由女儿送菜，封控后无人送菜。', refer: '请{other}协助居民女儿把生活物资交网格员转送。', resolution: '{other}网格员将居民女儿准备的物资转送至小区门岗，本社区志愿者送上楼。' },
  { type: 'supplies', route: 'street', description: '家中有幼儿，奶粉和米粉只够两天。', refer: '社区无婴幼儿食品储备，请街道协调。', resolution: '街道联系辖区超市配送奶粉2罐、米粉2盒，网格员送达。', inform: '已电话回访，物资已收到。' },
  { type: 'medical_rehab', route: 'street', description: '尿毒症患者每周三次透析，封控期间需要专车接送到市人民医院。', refer: '需街道协调转运车辆及医院透析通道。', resolution: '街道安排专用转运车，每周一、三、五接送透析，已与医院确认时间。', inform: '已电话告知居民接送安排。' },
  { type: 'medical_rehab', route: 'direct', description: '降压药只剩两天的量，需要代购硝苯地平缓释片。', resolution: '社区卫生服务站医生开具处方，志愿者代取药品送达。' },
  { type: 'medical_rehab', route: 'community', description: '精神残疾人需按时取药，监护人被封控在{other}。', refer: '监护人在{other}，请该社区协助取药后转送。', resolution: '{other}工作人员代取药品转送，并与监护人确认按时服药。', inform: '已电话告知监护人药品送到。' },
  { type: 'medical_rehab', route: 'street', description: '癫痫患者，常去医院门诊停诊，药物有断药风险。', refer: '需街道联系定点医院开通线上复诊和送药。', resolution: '街道联系市第二人民医院线上复诊，药品快递到家。', inform: '已电话回访，药品已收到。' },
  { type: 'medical_rehab', route: 'direct', description: '术后伤口需要换药，封控期间无法去医院。', resolution: '社区卫生服务站护士穿防护服上门换药，约定三天后再来。' },
  { type: 'medical_rehab', route: 'community', description: '脑卒中后康复训练中断，希望得到康复指导。', refer: '{other}康复站有康复师，请协助开展线上康复指导。', resolution: '{other}康复站康复师开展视频康复指导，每周两次。' },
  { type: 'medical_rehab', route: 'direct', description: '胰岛素只剩一支，需要代购。', resolution: '社区联系家庭医生开具处方，志愿者从医院药房代取胰岛素送达。' },
  { type: 'medical_rehab', route: 'street', description: '慢阻肺患者，家中制氧机损坏。', refer: '社区无设备，请街道协调区残联借用制氧机。', resolution: '街道协调区残联借出制氧机一台，送货上门并指导使用。', inform: '已电话回访，设备使用正常。' },
  { type: 'medical_rehab', route: 'direct', description: '发烧两天，担心无法就医。', resolution: '社区联系家庭医生电话问诊，抗原检测阴性，送去退烧药并每日回访。' },
  { type: 'daily_care', route: 'direct', description: '行动不便，护工封控期间进不来，无人做饭。', resolution: '社区联系爱心餐，每日午、晚两餐送上门。', inform: '已电话告知居民送餐安排。' },
  { type: 'daily_care', route: 'street', description: '独居视力残疾人，家中垃圾无法下楼处理。', refer: '需街道协调物业和志愿者定时上门收垃圾。', resolution: '街道协调物业每日上门收垃圾一次。' },
  { type: 'daily_care', route: 'community', description: '女儿住在{other}，希望女儿能回来照顾卧床的母亲。', refer: '请{other}为居民女儿办理通行证明。', resolution: '{other}为居民女儿开具通行证明，女儿已回家照顾。', inform: '已电话回访，女儿已到家。' },
  { type: 'daily_care', route: 'street', description: '智力残疾人的照护者被隔离，无人照护。', refer: '需街道安排临时照护人员。', resolution: '街道协调社工机构派驻临时照护员，每日上门两次。', inform: '已电话告知家属临时照护安排。' },
  { type: 'daily_care', route: 'direct', description: '卧床无法下楼，需要上门核酸采样。', resolution: '社区安排医护人员每两天上门采样一次。' },
  { type: 'daily_care', route: 'community', description: '居民的护工住在{other}，封控后无法过来。', refer: '护工在{other}，请该社区核实护工情况并协助通行。', resolution: '{other}核实护工核酸阴性并开具通行证明，护工已恢复上门。' },
  { type: 'daily_care', route: 'direct', description: '老伴住院，独自在家行动不便，需要有人每日探视。', resolution: '社区安排楼栋长每日上门探视一次，并记录情况。' },
  { type: 'emotional_support', route: 'direct', description: '长期独居，封控后情绪低落、失眠。', resolution: '社区社工每日电话陪聊，并提供心理援助热线。', inform: '已电话回访，居民情绪好转。' },
  { type: 'emotional_support', route: 'street', description: '精神残疾人情绪不稳定，家属担心发病。', refer: '需街道协调精神卫生专业人员随访。', resolution: '街道联系区精神卫生中心医生电话随访，调整用药。' },
  { type: 'emotional_support', route: 'community', description: '听力残疾人看不懂防疫通知，很焦虑，女儿在{other}。', refer: '请{other}联系居民女儿，协助用手语视频向居民说明。', resolution: '{other}联系居民女儿，由女儿用手语视频说明防疫要求，居民已安心。' },
  { type: 'emotional_support', route: 'direct', description: '担心封控期间残疾人补贴不能按时发放。', resolution: '社区核实后告知补贴已按时发放至社保卡，居民已放心。' },
  { type: 'accessibility', route: 'street', description: '电动轮椅故障无法充电，在家中无法移动。', refer: '需街道联系辅具服务单位上门维修。', resolution: '街道联系康复辅具公司上门维修，更换充电器。', inform: '已电话回访，轮椅恢复使用。' },
  { type: 'accessibility', route: 'direct', description: '助听器电池用完，听不到电话。', resolution: '社区从残疾人辅具服务点取电池送到家，并改用短信联系。' },
  { type: 'employment', route: 'street', description: '灵活就业收入因封控中断，询问临时救助。', refer: '需街道核实后受理临时救助申请。', resolution: '街道受理临时救助申请并核实，发放临时救助金。', inform: '已电话告知居民救助金到账。' },
  { type: 'other', route: 'direct', description: '电费即将欠费，老人不会网上缴费。', resolution: '社区工作人员协助网上缴纳电费。' },
  { type: 'other', route: 'community', description: '残疾人证到期需年审，原定在{other}办理的服务点关闭。', refer: '请{other}服务点协助线上预约年审。', resolution: '{other}服务点已为居民线上预约封控结束后年审，期间证件继续有效。' },
];

/** Needs raised per call day (35 in all); on two of the calls a resident raises two. */
const NEEDS_PER_DAY = [9, 7, 6, 4, 3, 3, 2, 1] as const;

const COMMUNITY_STAFF: Record<string, Array<{ email: string; name: string }>> = {
  [DEMO_IDS.communities.lianhua]: [{ email: 'community1@example.org', name: '李芳（莲花社区）' }, { email: 'community2@example.org', name: '王强（莲花社区）' }],
  [DEMO_IDS.communities.yuehai]: [{ email: 'community4@example.org', name: '黄海燕（粤海社区）' }, { email: 'community5@example.org', name: '林志明（粤海社区）' }],
};
const COMMUNITY_NAMES: Record<string, string> = { [DEMO_IDS.communities.lianhua]: '莲花社区', [DEMO_IDS.communities.yuehai]: '粤海社区' };
const ROADS: Record<string, string[]> = {
  [DEMO_IDS.communities.lianhua]: ['莲花路', '迎宾南路', '侨光路', '联安路', '莲花路'],
  [DEMO_IDS.communities.yuehai]: ['粤海东路', '粤海中路', '桂花南路', '夏湾路'],
};
const OPERATORS = [
  { email: 'operator@example.org', name: '何静（关爱热线话务员）' },
  { email: 'operator2@example.org', name: '邓晓燕（关爱热线话务员）' },
  { email: 'operator3@example.org', name: '梁振华（关爱热线话务员）' },
  { email: 'operator4@example.org', name: '许慧敏（关爱热线话务员）' },
  { email: 'operator5@example.org', name: '罗嘉欣（关爱热线话务员）' },
  { email: 'operator6@example.org', name: '谢文杰（关爱热线话务员）' },
];

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程苏魏吕丁任沈姚卢钟谭陆汪范金廖夏韦方白邹熊邱江黎古赖温莫区'.split('');
const MALE = '伟强军华明辉海鹏杰涛超勇德福荣新永振家成志建国文斌俊峰东平亮锦坤炳耀汉'.split('');
const FEMALE = '芳英丽娟敏静燕玲霞红梅兰玉凤淑琴云莉秀桂珍妹娇萍洁慧嫦好彩'.split('');
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';
/** Where residents were born: mostly 珠海, some from elsewhere in 广东 and beyond. */
const REGIONS: ReadonlyArray<readonly [string, number]> = [['440402', 50], ['440400', 12], ['440403', 6], ['440823', 6], ['445221', 6], ['440513', 5], ['430621', 5], ['450921', 5], ['360732', 5]];
const DISABILITY_TYPES: ReadonlyArray<readonly [string, number]> = [['肢体', 45], ['视力', 12], ['听力', 12], ['言语', 2], ['智力', 10], ['精神', 12], ['多重', 7]];
const REACHED_NOTES = ['身体状况稳定，生活物资充足。', '家属在家照顾，暂无困难。', '已提醒按时服药，无其他需求。', '情绪良好，感谢社区关心。', '物资够用，已告知热线电话。', '已告知核酸检测安排。', ''];
const MISSED_NOTES = ['无人接听。', '电话关机。', '占线，稍后再拨。', '无人接听，已发短信。'];

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** An 18-digit resident ID number with its GB 11643-1999 check character. */
export function idNumber(region: string, birth: string, seq: number): string {
  const body = `${region}${birth.replaceAll('-', '')}${pad(seq, 3)}`;
  const sum = ID_WEIGHTS.reduce((s, w, i) => s + w * Number(body[i]), 0);
  return body + ID_CHECK[sum % 11]!;
}

/** A UUID-shaped id drawn from the generator (the register's ids are UUIDs; these make the run repeatable). */
function uuidFrom(rng: Rng): `${string}-${string}-${string}-${string}-${string}` {
  let h = '';
  for (let i = 0; i < 8; i++) h += rng.int(0, 0xffff).toString(16).padStart(4, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[rng.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

interface Resident {
  communityId: string;
  name: string;
  idNumber: string;
  phone: string;
  address: string;
  disabilityType: string;
  disabilityLevel: string;
  householdSize: number;
  groupCode: string;
  livingSituation: 'alone' | 'spouse' | 'family' | 'carer';
  needsDailyContact: boolean;
}

function makeResident(rng: Rng, communityId: string, severe: boolean, seq: number): Resident {
  const female = rng.chance(0.48);
  const given = (female ? FEMALE : MALE);
  const name = rng.pick(SURNAMES) + rng.pick(given) + (rng.chance(0.7) ? rng.pick(given) : '');
  // disabled residents are older than the population: born 1932–2012, most 1945–1975
  const year = rng.weighted<[number, number]>([[[1932, 1944], 18], [[1945, 1960], 38], [[1961, 1975], 26], [[1976, 1995], 13], [[1996, 2012], 5]]);
  const y = rng.int(year[0], year[1]);
  const m = rng.int(1, 12);
  const d = rng.int(1, [31, y % 4 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!);
  // the 17th digit: odd for men, even for women
  const seqDigits = (seq % 100) * 10 + (female ? rng.pick([0, 2, 4, 6, 8]) : rng.pick([1, 3, 5, 7, 9]));
  const id = idNumber(rng.weighted(REGIONS), `${y}-${pad(m, 2)}-${pad(d, 2)}`, seqDigits);
  const phone = rng.chance(0.1) ? `0756-${rng.int(2, 8)}${pad(rng.int(0, 999_999), 6)}` : `1${rng.pick(['3', '5', '8', '9'])}${rng.int(0, 9)}${pad(rng.int(0, 99_999_999), 8)}`;
  const address = `珠海市香洲区${rng.pick(ROADS[communityId]!)}${rng.int(1, 180)}号${rng.int(1, 12)}栋${rng.int(1, 9)}0${rng.int(1, 4)}`;
  const living = rng.weighted<Resident['livingSituation']>(severe ? [['alone', 15], ['spouse', 28], ['family', 42], ['carer', 15]] : [['alone', 18], ['spouse', 32], ['family', 45], ['carer', 5]]);
  const householdSize = living === 'alone' ? 1 : living === 'spouse' ? 2 : living === 'carer' ? rng.int(2, 3) : rng.int(2, 6);
  const disabilityType = rng.weighted(DISABILITY_TYPES);
  const disabilityLevel = severe ? (rng.chance(0.4) ? '一级' : '二级') : rng.chance(0.45) ? '三级' : '四级';
  return {
    communityId, name, idNumber: id, phone, address, disabilityType, disabilityLevel, householdSize, groupCode: '残疾人', livingSituation: living,
    needsDailyContact: severe && living === 'alone',
  };
}

/** A queued action of the scenario, at a time on the sandbox clock. */
interface Step {
  at: number;
  seq: number;
  run: () => Promise<void>;
}

/** When staff act on something that came up at `ms`: the same evening until 20:00, else from 09:00 the next day. */
function officeTime(ms: number, rng: Rng): number {
  const day = dateOf(ms);
  if (ms < at(day, 8, 30)) return at(day, 8, 30) + rng.int(0, 40) * MINUTE;
  if (ms > at(day, 20)) return at(dateOf(ms + DAY), 9) + rng.int(0, 60) * MINUTE;
  return ms;
}

/**
 * Runs the lockdown scenario from where the clock stands (see the header). Throws when the street
 * already holds more disabled residents than the figures allow, or when the run does not reproduce
 * them.
 */
export async function seedLockdown(deps: LockdownDeps, opts: { seed?: string } = {}): Promise<LockdownSummary> {
  const { db, clock } = deps;
  const t0 = Date.now();
  const startedAt = clock.now().toISOString();
  const rng = createRng(opts.seed ?? 'weishishi lockdown 拱北');
  /** The demo users the scenario acts as; those the minimal demo lacks (粤海's staff, the extra operators) are made with the demo password. */
  const users = async (list: Array<{ email: string; name: string }>, scope: { role: 'community'; communityId: string } | { role: 'operator'; districtId: string }) => {
    const out: User[] = [];
    for (const u of list) out.push((await deps.users.findByEmail(u.email)) ?? (await createDemoUser(deps.users, { ...u, ...scope })));
    return out;
  };
  const need = async (email: string) => {
    const u = await deps.users.findByEmail(email);
    if (!u) throw new Error(`the lockdown scenario needs the demo user ${email}: seed the demo district first`);
    return u;
  };
  const district = await need('district@example.org');
  const street = await need('street@example.org');
  const staff = new Map<string, User[]>();
  for (const [communityId, list] of Object.entries(COMMUNITY_STAFF)) staff.set(communityId, await users(list, { role: 'community', communityId }));
  const operators = await users(OPERATORS, { role: 'operator', districtId: DEMO_IDS.district });

  // (a) the register: the disabled residents of the street, topped up to the figures
  const existing = (await db('beneficiaries').whereIn('community_id', [...LOCKDOWN.communities]).whereIn('disability_level', [...LOCKDOWN.levels])
    .select('disability_level')) as Array<{ disability_level: string }>;
  const existingSevere = existing.filter((b) => (LOCKDOWN.dailyLevels as readonly string[]).includes(b.disability_level)).length;
  const newSevere = LOCKDOWN.severe - existingSevere;
  const newOther = LOCKDOWN.residents - LOCKDOWN.severe - (existing.length - existingSevere);
  if (newSevere < 0 || newOther < 0) throw new Error(`拱北街道 already has ${existing.length} disabled residents on the register: the lockdown scenario needs an unchanged demo`);
  const regRng = rng.fork('register');
  const residents: Resident[] = [];
  for (let i = 0; i < newSevere + newOther; i++) {
    const communityId = regRng.chance(0.53) ? DEMO_IDS.communities.lianhua : DEMO_IDS.communities.yuehai;
    residents.push(makeResident(regRng, communityId, i < newSevere, i));
  }
  // ID numbers are unique in the whole register: draw again for any taken or drawn twice
  for (let round = 0; ; round++) {
    const seen = new Set<string>();
    const taken = new Set<string>();
    for (let i = 0; i < residents.length; i += 500) {
      for (const r of await db('beneficiary_id_numbers').whereIn('id_number_key', residents.slice(i, i + 500).map((x) => x.idNumber)).select('id_number_key')) taken.add(r.id_number_key as string);
    }
    let redrawn = 0;
    residents.forEach((r, i) => {
      if (taken.has(r.idNumber) || seen.has(r.idNumber)) {
        residents[i] = makeResident(regRng, r.communityId, (LOCKDOWN.dailyLevels as readonly string[]).includes(r.disabilityLevel), 1000 + round * 100 + i);
        redrawn++;
      } else seen.add(r.idNumber);
    });
    if (redrawn === 0) break;
    if (round > 20) throw new Error('no free ID numbers');
  }
  // register them as each community's staff would, one transaction for the lot (the register's own
  // checks and savepoints run for every row), a few seconds apart: the campaign orders its list by
  // the register's order, so each run gives every operator the same share
  const day1 = dateOf(clock.now().getTime() + DAY);
  await db.transaction(async (trx) => {
    for (const r of residents) {
      const { communityId, ...input } = r;
      clock.advance(regRng.int(1, 6) * 1000);
      await deps.beneficiaries.register(staff.get(communityId)![0]!, input, trx, uuidFrom(regRng));
    }
  });

  // (b) the campaign, built the day the lists come; calls from the next day
  const days = Array.from({ length: LOCKDOWN.days }, (_, i) => dateOf(at(day1, 12) + i * DAY));
  const campaign = await deps.campaigns.create(district, {
    name: LOCKDOWN.name, area: `street:${LOCKDOWN.street}`, disabilityLevels: [...LOCKDOWN.levels], dailyLevels: [...LOCKDOWN.dailyLevels],
    startOn: days[0], endOn: days.at(-1), callsPerDay: 1, missLimit: 3, operatorIds: operators.map((o) => o.id),
  });
  if (campaign.residentCount !== LOCKDOWN.residents) throw new Error(`the lockdown campaign holds ${campaign.residentCount} residents, not ${LOCKDOWN.residents}`);

  // (c) the plan: who is called (and reached) which day
  const members = (await db('care_campaign_members').where({ campaign_id: campaign.id }).orderBy('position')
    .select('beneficiary_id', 'community_id', 'slot', 'cadence')) as Array<{ beneficiary_id: string; community_id: string; slot: number; cadence: string }>;
  const planRng = rng.fork('plan');
  const daily = members.filter((m) => m.cadence === 'daily');
  const once = members.filter((m) => m.cadence !== 'daily');
  if (daily.length !== LOCKDOWN.severe) throw new Error(`${daily.length} residents called daily, not ${LOCKDOWN.severe}`);
  /** per resident, per day index: undefined (not called), 'reached' or 'missed' */
  const plan = new Map<string, Array<'reached' | 'missed' | undefined>>();
  const communityOf = new Map(members.map((m) => [m.beneficiary_id, m.community_id]));
  const escalated = planRng.pick(daily).beneficiary_id;
  for (const m of daily) {
    const row: Array<'reached' | 'missed'> = [];
    for (let d = 0; d < LOCKDOWN.days; d++) {
      // one resident out of reach three days running (escalated to the community); the others now and then missed, never twice running
      const missed = m.beneficiary_id === escalated ? d >= 1 && d <= 3 : row[d - 1] !== 'missed' && planRng.chance(0.025);
      row.push(missed ? 'missed' : 'reached');
    }
    plan.set(m.beneficiary_id, row);
  }
  const missedFirst = new Set(planRng.shuffle(once).slice(0, LOCKDOWN.onceMisses).map((m) => m.beneficiary_id));
  for (const m of once) {
    // the others are worked through over the first three days
    const first = planRng.weighted([[0, 40], [1, 35], [2, 25]]);
    const row: Array<'reached' | 'missed' | undefined> = Array.from({ length: LOCKDOWN.days }, () => undefined);
    if (missedFirst.has(m.beneficiary_id)) {
      row[first] = 'missed';
      row[first + 1] = 'reached';
    } else row[first] = 'reached';
    plan.set(m.beneficiary_id, row);
  }
  // the needs: on reached calls, so many a day; two calls raise two each
  const storyOrder = planRng.shuffle(STORIES);
  const needCalls = new Map<string, Story[]>(); // `${day}:${beneficiary}` → stories
  let next = 0;
  NEEDS_PER_DAY.forEach((count, d) => {
    const reached = planRng.shuffle(members.filter((m) => plan.get(m.beneficiary_id)![d] === 'reached'));
    let k = 0;
    while (count > 0) {
      const two = (d === 0 || d === 2) && k === 0 && count >= 2;
      const stories = storyOrder.slice(next, next + (two ? 2 : 1));
      next += stories.length;
      count -= stories.length;
      needCalls.set(`${d}:${reached[k++]!.beneficiary_id}`, stories);
    }
  });
  if (next !== LOCKDOWN.needs) throw new Error(`${next} needs planned, not ${LOCKDOWN.needs}`);

  // (d) the days: a queue of steps in time order on the sandbox clock
  const queue: Step[] = [];
  let seq = 0;
  const schedule = (ms: number, run: () => Promise<void>) => {
    const step = { at: Math.max(ms, clock.now().getTime()), seq: seq++, run };
    let i = queue.length;
    while (i > 0 && (queue[i - 1]!.at > step.at || (queue[i - 1]!.at === step.at && queue[i - 1]!.seq > step.seq))) i--;
    queue.splice(i, 0, step);
  };
  const routes: Record<Route, number> = { direct: 0, street: 0, community: 0 };
  const actRng = rng.fork('act');
  const otherOf = (communityId: string) => LOCKDOWN.communities.find((c) => c !== communityId)!;
  const fill = (text: string, communityId: string) => text.replaceAll('{other}', COMMUNITY_NAMES[otherOf(communityId)]!);

  /** What staff do with a need raised at `raisedAt`: resolve it, or refer it and the referred party resolves it later. */
  function follow(needId: string, communityId: string, story: Story, raisedAt: number) {
    routes[story.route]++;
    const own = actRng.pick(staff.get(communityId)!);
    const inform = (resolvedAt: number) => {
      if (story.inform) {
        const note = fill(story.inform, communityId);
        schedule(officeTime(resolvedAt + actRng.int(60, 180) * MINUTE, actRng), async () => { await deps.needs.send(own, needId, { type: 'INFORM_RESIDENT', note }); });
      }
    };
    const resolution = fill(story.resolution, communityId);
    if (story.route === 'direct') {
      const when = officeTime(raisedAt + actRng.int(60, 300) * MINUTE, actRng);
      schedule(when, async () => { await deps.needs.send(own, needId, { type: 'RESOLVE', resolution }); });
      inform(when);
      return;
    }
    const referAt = officeTime(raisedAt + actRng.int(30, 120) * MINUTE, actRng);
    const other = otherOf(communityId);
    const event = story.route === 'street' ? { type: 'REFER', to: 'street', note: fill(story.refer!, communityId) } : { type: 'REFER', to: 'community', communityId: other, note: fill(story.refer!, communityId) };
    // the referred party resolves it one to three days later, in the day (well before the deadline of 10 working days)
    const resolveAt = at(dateOf(referAt + actRng.int(1, 3) * DAY), actRng.int(9, 16), actRng.int(0, 59));
    const by = story.route === 'street' ? street : actRng.pick(staff.get(other)!);
    schedule(referAt, async () => { await deps.needs.send(own, needId, event); });
    schedule(resolveAt, async () => { await deps.needs.send(by, needId, { type: 'RESOLVE', resolution }); });
    inform(resolveAt);
  }

  let calls = 0;
  let reachedCalls = 0;
  let needs = 0;
  days.forEach((day, d) => {
    schedule(at(day, 8, 50), async () => {
      await deps.timers?.runDue();
      for (const [slot, op] of operators.entries()) {
        // the operator's list of the day (all pages), in the service's order: the missed first
        const list: string[] = [];
        for (let page = 1; ; page++) {
          const l = await deps.campaigns.callList(op, campaign.id, { page, pageSize: 200 });
          list.push(...l.rows.map((r) => r.beneficiary.id));
          if (page * 200 >= l.total) break;
        }
        const mine = members.filter((m) => m.slot === slot && plan.get(m.beneficiary_id)![d] !== undefined);
        const listed = new Set(list);
        const absent = mine.filter((m) => !listed.has(m.beneficiary_id));
        if (absent.length) throw new Error(`${absent.length} residents planned for ${day} are not on ${op.email}'s list`);
        const today = new Set(mine.map((m) => m.beneficiary_id));
        let t = at(day, 9) + actRng.int(0, 10) * MINUTE;
        for (const beneficiaryId of list.filter((id) => today.has(id))) {
          const outcome = plan.get(beneficiaryId)![d]!;
          const stories = needCalls.get(`${d}:${beneficiaryId}`) ?? [];
          const communityId = communityOf.get(beneficiaryId)!;
          const callAt = t;
          schedule(callAt, async () => {
            const reached = outcome === 'reached';
            const problems = stories.map((s) => ({ type: s.type, description: fill(s.description, communityId) }));
            const note = reached ? (stories.length ? '已记录需求，转社区跟进。' : actRng.pick(REACHED_NOTES)) : actRng.pick(MISSED_NOTES);
            const { call } = await deps.campaigns.logCall(op, campaign.id, { beneficiaryId, reached, problems, ...(note ? { note } : {}) });
            calls++;
            if (reached) reachedCalls++;
            needs += call.needIds.length;
            call.needIds.forEach((needId, i) => follow(needId, communityId, stories[i]!, clock.now().getTime()));
          });
          // a call lasts a few minutes (an unanswered one one or two); lunch from 12:00 to 13:30
          t += (outcome === 'reached' ? actRng.int(3, 8) + (stories.length ? 6 : 0) : actRng.int(1, 2)) * MINUTE;
          if (t >= at(day, 12) && t < at(day, 13, 30)) t = at(day, 13, 30) + actRng.int(0, 5) * MINUTE;
        }
      }
    });
  });

  while (queue.length) {
    const step = queue.shift()!;
    if (step.at > clock.now().getTime()) clock.set(step.at);
    await step.run();
  }
  await deps.timers?.runDue();

  const counted = Number(((await db('care_calls').where({ campaign_id: campaign.id }).count({ n: '*' })) as Array<{ n: number | string }>)[0]!.n);
  if (counted !== LOCKDOWN.calls || calls !== LOCKDOWN.calls || needs !== LOCKDOWN.needs) throw new Error(`the lockdown made ${counted} calls and raised ${needs} needs, not ${LOCKDOWN.calls} and ${LOCKDOWN.needs}`);
  const escalations = Number(((await db('care_escalations').where({ campaign_id: campaign.id }).count({ n: '*' })) as Array<{ n: number | string }>)[0]!.n);
  return {
    campaignId: campaign.id, startOn: days[0]!, endOn: days.at(-1)!, residents: campaign.residentCount, registered: residents.length,
    calls, reached: reachedCalls, needs, routes, escalations, startedAt, endedAt: clock.now().toISOString(), ms: Date.now() - t0,
  };
}

