// Where projects get stuck (issue 11, item 2): one row per stay of a project in a stage, kept by the
// read model (src/monitoring/stage-visits.ts) in each transition's transaction. The open row
// (left_at null) carries the instant the project is expected to have left by, decided at entry from
// its own rules version and the working-day calendar, so that the stuck list and the durations per
// stage and year are indexed queries that never read snapshots or scan the history.
//
// Data: existing projects are backfilled from workflow_history (from → to, at), once, a batch of
// projects at a time; the open visits get their expectation from the project's rules as stored in its
// snapshot (`context.rules.stageDays`, else the defaults below, frozen as they were when this
// migration was written) and from its stored deadline for the stages that have their own.
import type { Knex } from 'knex';
import { createCalendar, shanghaiDate, type CalendarOverride } from '../../src/lib/calendar.js';

type StageDays = Record<string, { days: number; working: boolean }>;

/** The defaults' expected days per stage when this migration was written (workflows/project/project.rules.ts). */
const DEFAULT_STAGE_DAYS: StageDays = {
  draft: { days: 30, working: false },
  screening: { days: 10, working: true },
  deliberation: { days: 30, working: false },
  objection_review: { days: 10, working: true },
  street_review: { days: 10, working: true },
  budget_approval: { days: 10, working: true },
  confirmation_objection_review: { days: 10, working: true },
  'procurement.preparing': { days: 15, working: true },
  'procurement.evaluating': { days: 5, working: true },
  'procurement.contracting': { days: 10, working: true },
  acceptance: { days: 10, working: true },
  acceptance_objection_review: { days: 10, working: true },
  rectification: { days: 20, working: true },
  settlement: { days: 10, working: true },
  evaluation: { days: 20, working: true },
};
/** Stages whose own deadline (the read model's next_deadline_at) is their expected end. */
const OWN_DEADLINE: Record<string, string> = {
  public_notice: 'noticeEndsAt', confirmation_notice: 'noticeEndsAt', acceptance_notice: 'noticeEndsAt',
  'procurement.quoting': 'quoteDeadline', delivery: 'dueAt', warranty: 'warrantyEndsAt',
};
const BATCH = 200;
const DAY_MS = 86_400_000;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('stage_visits', (t) => {
    t.increments('id').primary();
    t.string('project_id', 64).notNullable().references('id').inTable('projects');
    t.string('stage', 64).notNullable();
    t.string('entered_at', 30).notNullable();
    t.string('left_at', 30); // null while the project is in the stage
    t.integer('left_year'); // the Asia/Shanghai year of left_at: durations are reported by it
    t.string('district_id', 64).notNullable();
    t.string('street_id', 64).notNullable();
    t.string('community_id', 64).notNullable();
    t.integer('budget_year').notNullable();
    t.string('expected_end_at', 30); // null: no expectation (a final stage, or no rule)
    t.boolean('working').notNullable().defaultTo(false); // the stage's rule counts working days
    t.string('basis', 32); // 'stageDays', or the workflow deadline it comes from (noticeEndsAt …)
    t.index(['project_id', 'left_at']);
    t.index(['stage', 'left_year']);
    t.index(['left_at', 'expected_end_at']);
    t.index(['expected_end_at']);
    t.index(['entered_at']);
  });
  await backfill(knex);
}

async function backfill(knex: Knex): Promise<void> {
  const overrides = (await knex('calendar_overrides').select('date', 'kind')) as CalendarOverride[];
  const calendar = createCalendar(overrides.map((o) => ({ date: o.date, kind: o.kind })));
  let after = '';
  for (;;) {
    const projects = await knex('projects').where('id', '>', after).orderBy('id').limit(BATCH)
      .select('id', 'district_id', 'street_id', 'community_id', 'budget_year', 'year', 'state', 'next_deadline_at');
    if (projects.length === 0) break;
    after = projects[projects.length - 1].id;
    const ids = projects.map((p) => p.id as string);
    const history = await knex('workflow_history').whereIn('instance_id', ids).orderBy(['instance_id', 'seq']).select('instance_id', 'from_state', 'to_state', 'at');
    const byProject = new Map<string, typeof history>();
    for (const h of history) byProject.set(h.instance_id, [...(byProject.get(h.instance_id) ?? []), h]);
    const snapshots = new Map((await knex('workflow_instances').whereIn('id', ids).select('id', 'snapshot')).map((r) => [r.id as string, r.snapshot as unknown]));
    const rows: Array<Record<string, unknown>> = [];
    for (const p of projects) {
      const base = { project_id: p.id, district_id: p.district_id, street_id: p.street_id, community_id: p.community_id, budget_year: Number(p.budget_year ?? p.year) };
      const stageDays = stageDaysOf(snapshots.get(p.id));
      let open: Record<string, unknown> | null = null;
      for (const h of byProject.get(p.id) ?? []) {
        if (h.from_state !== null && h.from_state === h.to_state) continue;
        if (open) rows.push({ ...open, left_at: h.at, left_year: Number(shanghaiDate(h.at).slice(0, 4)) });
        // a past stay's own deadline is not kept anywhere but in the events: only the open one gets it
        open = { ...base, stage: h.to_state, entered_at: h.at, left_at: null, left_year: null, ...expectation(h.to_state, h.at, null, stageDays, calendar) };
      }
      if (open) rows.push({ ...open, ...(OWN_DEADLINE[String(open.stage)] ? expectation(String(open.stage), String(open.entered_at), p.next_deadline_at ?? null, stageDays, calendar) : {}) });
    }
    for (let i = 0; i < rows.length; i += 100) await knex('stage_visits').insert(rows.slice(i, i + 100));
  }
}

function stageDaysOf(snapshot: unknown): StageDays {
  try {
    const s = (typeof snapshot === 'string' ? JSON.parse(snapshot) : snapshot) as { context?: { rules?: { stageDays?: StageDays } } };
    return s?.context?.rules?.stageDays ?? DEFAULT_STAGE_DAYS;
  } catch {
    return DEFAULT_STAGE_DAYS;
  }
}

function expectation(stage: string, enteredAt: string, deadline: string | null, stageDays: StageDays, calendar: ReturnType<typeof createCalendar>) {
  const own = OWN_DEADLINE[stage];
  const none = { expected_end_at: null, working: false, basis: null };
  if (own) return deadline ? { expected_end_at: deadline, working: false, basis: own } : none;
  const rule = stageDays[stage];
  if (!rule) return none;
  const end = rule.working
    ? calendar.addWorkingDays(enteredAt, rule.days)
    : calendar.endOfDay(shanghaiDate(new Date(Date.parse(enteredAt) + rule.days * DAY_MS).toISOString()));
  return { expected_end_at: end, working: rule.working, basis: 'stageDays' };
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('stage_visits');
}
