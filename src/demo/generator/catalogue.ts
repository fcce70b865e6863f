// What a district's micro-projects are: one template per kind of project, by beneficiary group
// (beneficiary_groups), kind of help (categories) and type, with the unit the work is counted in and
// its usual price (PROGRAMME.md: stair-climbers, home adaptations per household, visits per session,
// classes, job coaching; caps ¥200,000 for goods and services, ¥500,000 for works). The 残疾人
// templates follow the mix of Xiangzhou's 2021 report. Prices are plausible, not quoted.
import type { ProjectType } from '../../../workflows/project/index.js';

export interface Template {
  key: string;
  group: string;
  category: string;
  type: ProjectType;
  /** the positive area of the screening checklist (rules.screening.positiveAreas) */
  area: string;
  titles: string[];
  /** {n}: the quantity, {b}: beneficiaries, {c}: the community's name */
  description: string;
  /** the line the work is counted in */
  unit: { name: string; qty: [number, number]; unitYuan: [number, number] };
  /** the second line (delivery and training, supervision, management): a share of the whole */
  extra: { name: string; share: [number, number] };
  /** how many people one unit serves (beneficiaries = ceil(qty × perUnit)) */
  perUnit: number;
  /** other groups it may also serve (never 残疾人: its count stays unambiguous) */
  otherGroups?: string[][];
  /** what the delivery evidence says */
  evidence: string;
  /** goods with serial numbers */
  serials?: string;
  /** how many of these relative to the group's other templates */
  weight: number;
}

const D = '残疾人';
export const TEMPLATES: Template[] = [
  // ── 残疾人 (Xiangzhou 2021: stair-climbers, home adaptations, visits and psychological support, rehabilitation, employment help)
  {
    key: 'disabled-stair', group: D, category: '助行', type: 'goods', area: 'mutual_help', weight: 38,
    titles: ['{c}爬楼机配置', '{c}残疾人爬楼机配置与操作培训', '{c}高层轮椅使用者爬楼机服务'],
    description: '为居住在无电梯楼房高层的轮椅使用者配置履带式爬楼机{n}台，含上门操作培训与一年质保，服务{b}名残疾人。',
    unit: { name: '履带式爬楼机', qty: [1, 3], unitYuan: [16_800, 26_800] }, extra: { name: '配送、安装与操作培训', share: [0.03, 0.08] },
    perUnit: 1, evidence: '爬楼机交付与操作培训记录', serials: 'SC',
  },
  {
    key: 'disabled-adapt', group: D, category: '居家改造', type: 'works', area: 'mutual_help', weight: 72,
    titles: ['{c}困难残疾人家庭无障碍改造', '{c}重度残疾人居家适老化改造', '{c}残疾人家庭居家无障碍设施改造'],
    description: '为{n}户困难残疾人家庭安装扶手、防滑地面、坡道和坐便器增高垫，每户先评估后施工，完工后逐户签收。',
    unit: { name: '居家无障碍改造（户）', qty: [2, 8], unitYuan: [6_000, 12_000] }, extra: { name: '改造前评估与施工监理', share: [0.04, 0.1] },
    perUnit: 1, otherGroups: [[], [], ['低保特困']], evidence: '居家无障碍改造完工记录（附施工前后照片）',
  },
  {
    key: 'disabled-visit', group: D, category: '探访慰藉', type: 'services', area: 'mutual_help', weight: 70,
    titles: ['{c}重度残疾人上门探访与心理慰藉', '{c}残疾人关爱探访服务', '{c}残疾人心理疏导与上门探访'],
    description: '由社工和志愿者为{b}户重度残疾人家庭提供每周上门探访、心理慰藉与康复指导，全年共计{n}人次。',
    unit: { name: '上门探访服务（人次）', qty: [240, 960], unitYuan: [45, 80] }, extra: { name: '心理咨询师督导', share: [0.05, 0.12] },
    perUnit: 1 / 40, evidence: '上门探访服务记录（附签到表）',
  },
  {
    key: 'disabled-rehab', group: D, category: '康复训练', type: 'services', area: 'mutual_help', weight: 52,
    titles: ['{c}残疾人社区康复训练', '{c}康园中心康复训练课程', '{c}残疾人居家康复指导'],
    description: '由专业康复师在社区康园中心开展康复训练{n}节，并建立康复档案，服务{b}名残疾人。',
    unit: { name: '康复训练课（节）', qty: [24, 96], unitYuan: [600, 1_000] }, extra: { name: '康复评估与档案', share: [0.04, 0.1] },
    perUnit: 0.35, evidence: '康复训练课程记录（附签到表与照片）',
  },
  {
    key: 'disabled-jobs', group: D, category: '就业帮扶', type: 'services', area: 'inclusion_services', weight: 32,
    titles: ['{c}残疾人就业辅导与岗位对接', '{c}残疾人职业技能培训', '{c}残疾人就业帮扶服务'],
    description: '由社工为{b}名有就业意愿的残疾人提供一对一就业辅导{n}人次，并举办岗位对接会，对接辖区爱心企业岗位。',
    unit: { name: '一对一就业辅导（人次）', qty: [30, 90], unitYuan: [400, 600] }, extra: { name: '岗位对接会', share: [0.12, 0.25] },
    perUnit: 0.5, evidence: '就业辅导与岗位对接会记录（附签到表）',
  },
  // ── 老年人
  {
    key: 'elderly-adapt', group: '老年人', category: '居家改造', type: 'works', area: 'mutual_help', weight: 20,
    titles: ['{c}高龄老人居家适老化改造', '{c}独居长者居家安全改造'],
    description: '为{n}户高龄、独居长者家庭加装扶手、防滑地垫、夜灯和紧急呼叫装置，每户评估后施工。',
    unit: { name: '居家适老化改造（户）', qty: [3, 12], unitYuan: [5_000, 12_000] }, extra: { name: '评估与施工监理', share: [0.04, 0.1] },
    perUnit: 1.5, otherGroups: [[], ['低保特困']], evidence: '适老化改造完工记录（附照片）',
  },
  {
    key: 'elderly-mobility', group: '老年人', category: '助行', type: 'goods', area: 'mutual_help', weight: 10,
    titles: ['{c}长者助行器具租借点', '{c}轮椅与助行器配置'],
    description: '设立助行器具租借点，配置轮椅、助行器和拐杖{n}件，供行动不便的长者免费借用。',
    unit: { name: '轮椅与助行器（件）', qty: [10, 30], unitYuan: [600, 1_500] }, extra: { name: '配送与使用培训', share: [0.03, 0.08] },
    perUnit: 3, evidence: '助行器具交付清单',
  },
  {
    key: 'elderly-visit', group: '老年人', category: '探访慰藉', type: 'services', area: 'mutual_help', weight: 22,
    titles: ['{c}独居长者关爱探访', '{c}空巢老人上门探访与电话问候'],
    description: '为{b}名独居、空巢长者提供定期上门探访与电话问候，全年{n}人次。',
    unit: { name: '探访服务（人次）', qty: [300, 1_200], unitYuan: [40, 70] }, extra: { name: '志愿者培训与保险', share: [0.04, 0.1] },
    perUnit: 1 / 24, evidence: '探访服务记录（附签到表）',
  },
  {
    key: 'elderly-canteen', group: '老年人', category: '便民服务', type: 'services', area: 'inclusion_services', weight: 18,
    titles: ['{c}长者饭堂助餐服务', '{c}长者助餐配送服务'],
    description: '为辖区{b}名长者提供工作日午餐助餐和送餐上门服务，全年{n}餐次。',
    unit: { name: '助餐（餐次）', qty: [3_000, 10_000], unitYuan: [8, 15] }, extra: { name: '送餐上门', share: [0.05, 0.15] },
    perUnit: 1 / 60, evidence: '助餐服务台账',
  },
  {
    key: 'elderly-culture', group: '老年人', category: '文体活动', type: 'services', area: 'culture_sports', weight: 14,
    titles: ['{c}长者健康文体活动', '{c}老年大学兴趣课堂'],
    description: '开展长者合唱、太极、书法等文体活动{n}场，每场约{b}人参加。',
    unit: { name: '文体活动（场）', qty: [10, 36], unitYuan: [1_500, 4_000] }, extra: { name: '场地布置与物料', share: [0.05, 0.12] },
    perUnit: 2, evidence: '活动记录（附照片与签到表）',
  },
  {
    key: 'elderly-rehab', group: '老年人', category: '康复训练', type: 'services', area: 'mutual_help', weight: 8,
    titles: ['{c}长者康复保健与慢病管理', '{c}长者防跌倒康复训练'],
    description: '由康复师为长者开展防跌倒训练与慢病管理讲座{n}节。',
    unit: { name: '康复保健课（节）', qty: [20, 60], unitYuan: [500, 900] }, extra: { name: '健康评估', share: [0.05, 0.1] },
    perUnit: 1, evidence: '康复保健课记录',
  },
  {
    key: 'elderly-rails', group: '老年人', category: '公共设施', type: 'works', area: 'inclusion_services', weight: 8,
    titles: ['{c}楼道扶手与休息座椅加装', '{c}老旧小区适老化设施改造'],
    description: '在老旧小区楼道和出入口加装扶手与休息座椅{n}处，方便长者出行。',
    unit: { name: '扶手与座椅（处）', qty: [6, 30], unitYuan: [2_000, 6_000] }, extra: { name: '施工监理', share: [0.03, 0.08] },
    perUnit: 8, otherGroups: [['全体居民']], evidence: '设施安装完工记录（附照片）',
  },
  // ── 儿童、学生、困境儿童
  {
    key: 'children-summer', group: '儿童', category: '文体活动', type: 'services', area: 'culture_sports', weight: 12,
    titles: ['{c}儿童暑期托管与兴趣课堂', '{c}四点半课堂'],
    description: '为双职工家庭儿童提供暑期托管和兴趣课堂{n}课时，服务{b}名儿童。',
    unit: { name: '托管与兴趣课（课时）', qty: [40, 160], unitYuan: [300, 600] }, extra: { name: '保险与物料', share: [0.05, 0.12] },
    perUnit: 0.5, otherGroups: [[], ['学生']], evidence: '课堂记录与签到表',
  },
  {
    key: 'children-play', group: '儿童', category: '公共设施', type: 'works', area: 'culture_sports', weight: 8,
    titles: ['{c}儿童游乐设施改造', '{c}儿童友好空间建设'],
    description: '更新社区儿童游乐设施{n}套并铺设安全地垫。',
    unit: { name: '儿童游乐设施（套）', qty: [1, 4], unitYuan: [15_000, 60_000] }, extra: { name: '安全地垫与施工', share: [0.1, 0.25] },
    perUnit: 40, otherGroups: [['全体居民']], evidence: '设施安装完工记录（附照片）',
  },
  {
    key: 'students-tutor', group: '学生', category: '便民服务', type: 'services', area: 'inclusion_services', weight: 10,
    titles: ['{c}学生课后学业辅导', '{c}青少年课后服务'],
    description: '由大学生志愿者和社工为{b}名中小学生提供课后学业辅导，共{n}课时。',
    unit: { name: '学业辅导（课时）', qty: [60, 200], unitYuan: [150, 300] }, extra: { name: '教材与物料', share: [0.04, 0.1] },
    perUnit: 0.3, evidence: '辅导记录与签到表',
  },
  {
    key: 'students-science', group: '学生', category: '文体活动', type: 'services', area: 'tech_livelihood', weight: 6,
    titles: ['{c}青少年科普与编程活动', '{c}青少年阅读推广'],
    description: '开展青少年科普、编程和阅读活动{n}场，每场约{b}名学生参加。',
    unit: { name: '科普活动（场）', qty: [8, 30], unitYuan: [1_500, 3_500] }, extra: { name: '器材与物料', share: [0.08, 0.2] },
    perUnit: 2, evidence: '活动记录（附照片）',
  },
  {
    key: 'hardship-children-care', group: '困境儿童', category: '探访慰藉', type: 'services', area: 'mutual_help', weight: 8,
    titles: ['{c}困境儿童关爱陪伴', '{c}困境儿童“一对一”结对帮扶'],
    description: '为{b}名困境儿童提供社工“一对一”关爱陪伴与家庭探访，全年{n}人次。',
    unit: { name: '关爱陪伴（人次）', qty: [120, 480], unitYuan: [80, 150] }, extra: { name: '心理辅导', share: [0.08, 0.15] },
    perUnit: 1 / 12, otherGroups: [[], ['儿童']], evidence: '关爱陪伴服务记录',
  },
  {
    key: 'hardship-children-after-school', group: '困境儿童', category: '便民服务', type: 'services', area: 'inclusion_services', weight: 6,
    titles: ['{c}困境儿童课后托管与学业辅导'],
    description: '为{b}名困境儿童提供工作日课后托管、作业辅导和周末阅读活动，共{n}人·月。',
    unit: { name: '课后托管（人·月）', qty: [100, 300], unitYuan: [100, 150] }, extra: { name: '读物与文具', share: [0.04, 0.1] },
    perUnit: 0.1, otherGroups: [['学生']], evidence: '托管服务台账',
  },
  {
    key: 'hardship-children-rehab', group: '困境儿童', category: '康复训练', type: 'services', area: 'mutual_help', weight: 4,
    titles: ['{c}特殊需要儿童康复训练'],
    description: '为{b}名特殊需要儿童提供感统与言语康复训练{n}节。',
    unit: { name: '康复训练（节）', qty: [40, 120], unitYuan: [300, 500] }, extra: { name: '家长培训', share: [0.05, 0.12] },
    perUnit: 0.15, otherGroups: [['儿童']], evidence: '康复训练记录',
  },
  // ── 低保特困
  {
    key: 'lowincome-repair', group: '低保特困', category: '居家改造', type: 'works', area: 'mutual_help', weight: 10,
    titles: ['{c}低保特困家庭居室修缮', '{c}困难家庭居住环境改善'],
    description: '为{n}户低保、特困家庭修缮漏水墙面、更换老化电线和门窗。',
    unit: { name: '居室修缮（户）', qty: [3, 10], unitYuan: [4_000, 10_000] }, extra: { name: '评估与监理', share: [0.04, 0.1] },
    perUnit: 2, evidence: '修缮完工记录（附照片）',
  },
  {
    key: 'lowincome-jobs', group: '低保特困', category: '就业帮扶', type: 'services', area: 'inclusion_services', weight: 8,
    titles: ['{c}低保家庭就业技能培训', '{c}困难群众就业帮扶'],
    description: '为低保家庭成员开展家政、电商等就业技能培训{n}课时，并推荐就业岗位，服务{b}人。',
    unit: { name: '技能培训（课时）', qty: [40, 120], unitYuan: [300, 600] }, extra: { name: '岗位推荐会', share: [0.1, 0.2] },
    perUnit: 0.4, evidence: '培训记录与签到表',
  },
  {
    key: 'lowincome-visit', group: '低保特困', category: '探访慰藉', type: 'services', area: 'mutual_help', weight: 6,
    titles: ['{c}特困人员关爱探访'],
    description: '为{b}名特困供养人员提供定期探访、代购代办服务，全年{n}人次。',
    unit: { name: '探访与代办（人次）', qty: [200, 600], unitYuan: [50, 80] }, extra: { name: '志愿者保险', share: [0.03, 0.08] },
    perUnit: 1 / 24, otherGroups: [['老年人']], evidence: '探访服务记录',
  },
  // ── 全体居民
  {
    key: 'all-square', group: '全体居民', category: '公共设施', type: 'works', area: 'inclusion_services', weight: 14,
    titles: ['{c}社区休闲广场改造', '{c}楼道照明改造', '{c}社区无障碍通道建设'],
    description: '改造社区公共空间{n}处：平整路面、更换照明、增设无障碍通道。',
    unit: { name: '公共空间改造（处）', qty: [1, 5], unitYuan: [20_000, 90_000] }, extra: { name: '设计与监理', share: [0.04, 0.1] },
    perUnit: 300, evidence: '改造完工记录（附照片）',
  },
  {
    key: 'all-green', group: '全体居民', category: '公共设施', type: 'works', area: 'greening', weight: 8,
    titles: ['{c}社区绿化美化', '{c}口袋公园建设'],
    description: '补植绿化、修整花基{n}处，美化社区环境。',
    unit: { name: '绿化美化（处）', qty: [2, 8], unitYuan: [8_000, 30_000] }, extra: { name: '一年养护', share: [0.08, 0.15] },
    perUnit: 200, evidence: '绿化完工记录（附照片）',
  },
  {
    key: 'all-safety', group: '全体居民', category: '公共设施', type: 'goods', area: 'safety', weight: 8,
    titles: ['{c}社区安全监控与消防器材配置', '{c}电动车充电安全设施'],
    description: '配置消防器材、监控设备等安全设施{n}套。',
    unit: { name: '安全设施（套）', qty: [4, 20], unitYuan: [1_500, 6_000] }, extra: { name: '安装调试', share: [0.05, 0.12] },
    perUnit: 60, evidence: '设备交付与安装记录',
  },
  {
    key: 'all-emergency', group: '全体居民', category: '便民服务', type: 'goods', area: 'emergency', weight: 6,
    titles: ['{c}防台风应急物资储备', '{c}社区应急救援物资配置'],
    description: '储备防台风、防汛应急物资{n}套，由社区应急队伍保管。',
    unit: { name: '应急物资（套）', qty: [10, 50], unitYuan: [400, 1_200] }, extra: { name: '应急演练', share: [0.05, 0.12] },
    perUnit: 20, evidence: '物资入库清单',
  },
  {
    key: 'all-culture', group: '全体居民', category: '文体活动', type: 'services', area: 'culture_sports', weight: 10,
    titles: ['{c}邻里文化节', '{c}社区文体活动季'],
    description: '举办邻里节、文艺汇演等社区活动{n}场，增进邻里交往。',
    unit: { name: '社区活动（场）', qty: [4, 16], unitYuan: [3_000, 8_000] }, extra: { name: '宣传与物料', share: [0.05, 0.12] },
    perUnit: 60, evidence: '活动记录（附照片）',
  },
  {
    key: 'all-repair', group: '全体居民', category: '便民服务', type: 'services', area: 'tech_livelihood', weight: 8,
    titles: ['{c}便民维修与义剪服务', '{c}智慧社区便民服务'],
    description: '每月开展便民维修、义剪、家电清洗等便民服务，全年{n}场。',
    unit: { name: '便民服务（场）', qty: [12, 36], unitYuan: [1_000, 2_500] }, extra: { name: '耗材', share: [0.05, 0.15] },
    perUnit: 30, evidence: '便民服务记录',
  },
];

/**
 * The templates for the groups and categories the reference tables have now: an active group or
 * category that no template covers (one an admin added) gets a generic one, so every group and every
 * kind of help has projects.
 */
export function templatesFor(groups: string[], categories: string[]): Template[] {
  const out = TEMPLATES.filter((t) => groups.includes(t.group) && categories.includes(t.category));
  const fallbackCategory = categories.includes('便民服务') ? '便民服务' : categories[0]!;
  for (const g of groups) {
    if (!out.some((t) => t.group === g)) out.push(generic(g, fallbackCategory));
  }
  const fallbackGroup = groups.includes('全体居民') ? '全体居民' : groups.find((g) => g !== D) ?? groups[0]!;
  for (const c of categories) {
    if (!out.some((t) => t.category === c)) out.push(generic(fallbackGroup, c));
  }
  return out;
}

function generic(group: string, category: string): Template {
  return {
    key: `generic-${group}-${category}`, group, category, type: 'services', area: 'inclusion_services', weight: 6,
    titles: [`{c}${category}服务（${group}）`],
    description: `为{b}名${group}提供${category}服务，共{n}次。`,
    unit: { name: `${category}服务（次）`, qty: [20, 80], unitYuan: [300, 800] }, extra: { name: '组织与物料', share: [0.05, 0.12] },
    perUnit: 1, evidence: `${category}服务记录`,
  };
}
