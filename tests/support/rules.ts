// Programme rules for tests: a rules version with every value changed from the defaults (issue 10:
// "7 notice days, 4 quotes, 85% satisfaction, 20/75/5 payments"), as the JSON the rules service and
// API take and as the admin page's form posts it, so that a test can publish it either way and then
// look for the new values, and none of the defaults', on every page that cites a rule.
import { DEFAULT_RULES, type ProgrammeRules } from '../../workflows/project/index.js';
import { rulesToValues } from '../../src/web/admin-rules-view.js';
import { csrfOf, type Agent } from '../http/pages-helpers.js';

/** Categories of the demo's reference data (kinds of help) where the changed rules have the beneficiary sign. */
export const CHANGED_BENEFICIARY_CATEGORIES = ['康复训练', '就业帮扶'];

/**
 * Every value of `base` (the defaults) changed: caps, each notice 7 working days, quorum 3/4 and
 * majority 3/5, other positive and negative lists, budget years ahead 2, street purchaser, budget
 * approver and payer, other thresholds and 2/4/5 minimum quotes, 85% satisfaction and other
 * signatories, 20/75/5 payments with a 24-month warranty and a 10/80/10 plan for works, other review
 * days, other expected days per stage, other required documents, and other sources (all verified but the quorum's, which has none).
 */
export function rulesWithEveryValueChanged(base: ProgrammeRules = DEFAULT_RULES): Omit<ProgrammeRules, 'version'> {
  const { version: _version, ...rest } = structuredClone(base);
  void _version;
  return {
    ...rest,
    capsFen: { services: 15_000_000, goods: 18_000_000, works: 45_000_000 },
    notices: { proposal: { workingDays: 7 }, confirmation: { workingDays: 7 }, acceptance: { workingDays: 7 } },
    quorum: { num: 3, den: 4 },
    majority: { num: 3, den: 5 },
    screening: {
      positiveAreas: [
        { code: 'elder_care', zh: '养老助老服务', en: 'Care for older people' },
        { code: 'barrier_free', zh: '无障碍环境建设', en: 'Barrier-free environment' },
        { code: 'neighbourhood', zh: '邻里互助活动', en: 'Neighbourhood mutual aid' },
      ],
      negativeItems: [
        { code: 'commercial', zh: '营利性经营活动', en: 'Commercial activities' },
        { code: 'staff_costs', zh: '工作人员工资福利', en: "Staff salaries and benefits" },
        { code: 'banquets', zh: '宴请及礼品', en: 'Banquets and gifts' },
      ],
    },
    budgetYearsAhead: 2,
    parties: { purchaser: 'street', budgetApprover: 'street', payer: 'street' },
    procurement: { directBelowFen: 3_000_000, quotationUpToFen: 15_000_000, minQuotes: { direct: 2, quotation: 4, competitive: 5 } },
    acceptance: {
      satisfactionPct: 85,
      signatories: ['community', 'beneficiary'],
      extraSignatories: { goods: ['supervisor'], services: ['residents_rep'] },
      beneficiarySignsFor: { categories: [...CHANGED_BENEFICIARY_CATEGORIES] },
      minRatings: 12,
      maxRatingCodes: 300,
    },
    payment: {
      advancePct: 20, finalPct: 75, retentionPct: 5, warrantyMonths: 24,
      byType: { works: { advancePct: 10, finalPct: 80, retentionPct: 10, warrantyMonths: 36 } },
    },
    reviewReminderWorkingDays: 4,
    reviewEscalationWorkingDays: 8,
    needs: { referralWorkingDays: 7, reminderWorkingDaysBefore: 2 },
    // every stage one day longer, counted the other way (working ↔ calendar days)
    stageDays: Object.fromEntries(Object.entries(base.stageDays).map(([stage, d]) => [stage, { days: d.days + 1, working: !d.working }])),
    // each kind from another stage, for goods (and works) only, and one kind more
    requiredDocuments: [
      { kind: 'application', from: 'screening', types: [] },
      { kind: 'minutes', from: 'objection_review', types: ['goods'] },
      { kind: 'quote', from: 'procurement.evaluating', types: ['goods', 'works'] },
      { kind: 'contract', from: 'acceptance', types: ['goods'] },
      { kind: 'delivery_evidence', from: 'settlement', types: ['goods', 'works'] },
      { kind: 'acceptance_report', from: 'evaluation', types: ['works'] },
      { kind: 'invoice', from: 'settlement', types: ['goods'] },
      { kind: 'payment_voucher', from: 'warranty', types: ['goods'] },
      { kind: 'fund_statement', from: 'warranty', types: ['works'] },
    ],
    sources: {
      capsFen: { source: '香洲区民生微实事实施细则（2027）第五条', verified: true },
      notices: { source: '香洲区民生微实事实施细则（2027）第八条', verified: true },
      majority: { source: '香洲区居民议事规则（2027）', verified: true },
      screening: { source: '香洲区民生微实事实施细则（2027）第三条', verified: true },
      budgetYearsAhead: { source: '香洲区财政局通知（2027）', verified: true },
      parties: { source: '香洲区民生微实事实施细则（2027）第十条', verified: true },
      procurement: { source: '香洲区小额采购办法（2027）', verified: true },
      acceptance: { source: '香洲区验收办法（2027）', verified: true },
      payment: { source: '香洲区资金管理办法（2027）', verified: true },
      reviewReminderWorkingDays: { source: '香洲区督办制度（2027）', verified: true },
      reviewEscalationWorkingDays: { source: '香洲区督办制度（2027）', verified: true },
      stageDays: { source: '香洲区民生微实事督办制度（2027）', verified: true },
      requiredDocuments: { source: '香洲区民生微实事档案管理办法（2027）', verified: true },
      needs: { source: '香洲区群众诉求转办办法（2027）', verified: true },
    },
  };
}

/** The admin page's form body (flat field names, yuan as text) that publishes `rules`. */
export function rulesFormBody(rules: Omit<ProgrammeRules, 'version'>, note = ''): Record<string, string | string[]> {
  const values = rulesToValues({ ...rules, version: 0 } as ProgrammeRules);
  const body: Record<string, string | string[]> = { note };
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    // an unticked checkbox is not posted at all
    if (v === '' && (k.endsWith('.held') || k.endsWith('.differs') || k.endsWith('.verified') || k.endsWith('.working'))) continue;
    body[k] = v;
  }
  return body;
}

/** Posts a form body with repeated fields (checkboxes) as a browser does, with the CSRF token of the page it sits on. */
export async function postPairs(agent: Agent, pagePath: string, action: string, body: Record<string, string | string[]>) {
  const token = csrfOf((await agent.get(pagePath)).text);
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(body)) for (const one of [v].flat()) q.append(k, one);
  q.append('_csrf', token);
  return agent.post(action).type('form').send(q.toString());
}
