// Care calls, second step (issue 15 items 4 and 7):
// - a campaign may call some disability levels daily and the rest of its list once (a lockdown
//   platform called every listed resident and the severely disabled every day): the campaign keeps
//   the levels called daily (JSON array, empty = everyone daily) and each member its cadence,
//   fixed at creation like the list itself;
// - a campaign may be changed while it runs (a lockdown extended, operators added, residents
//   registered since taken in): who changed it last, and when;
// - the needs a call raised, one row each, so the campaign report counts them by day, type and
//   outcome in SQL (care_calls.need_ids stays as the call's own record).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('care_campaigns', (t) => {
    t.text('daily_levels').notNullable().defaultTo('[]');
    t.string('updated_by', 64);
    t.string('updated_at', 30);
  });
  await knex.schema.alterTable('care_campaign_members', (t) => {
    /** daily: due every day; once: due until reached once */
    t.string('cadence', 8).notNullable().defaultTo('daily');
  });
  await knex.schema.createTable('care_call_needs', (t) => {
    t.string('need_id', 64).primary().references('id').inTable('needs');
    t.string('campaign_id', 64).notNullable().references('id').inTable('care_campaigns');
    t.integer('call_id').notNullable().references('id').inTable('care_calls');
    t.string('day', 10).notNullable();
    t.index(['campaign_id', 'day']);
  });
  const calls = await knex('care_calls').whereNot('need_ids', '[]').select('id', 'campaign_id', 'day', 'need_ids');
  const rows = calls.flatMap((c) => (JSON.parse(c.need_ids as string) as string[]).map((needId) => ({ need_id: needId, campaign_id: c.campaign_id, call_id: c.id, day: c.day })));
  for (let i = 0; i < rows.length; i += 100) await knex('care_call_needs').insert(rows.slice(i, i + 100));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('care_call_needs');
  await knex.schema.alterTable('care_campaign_members', (t) => t.dropColumn('cadence'));
  await knex.schema.alterTable('care_campaigns', (t) => {
    t.dropColumn('daily_levels');
    t.dropColumn('updated_by');
    t.dropColumn('updated_at');
  });
}
