// The stuck report's yearly figures read every stay that ended in a year, stage by stage: an index
// on (left_year, stage, street_id, community_id) that also holds the columns they read (entered_at,
// left_at, working) answers them from the index alone, scoped by street or community or not,
// without a lookup into the table for each of a city's 200,000 stays a year. It replaces the
// (stage, left_year) index, which needed that lookup.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('stage_visits', (t) => {
    t.dropIndex(['stage', 'left_year']);
    t.index(['left_year', 'stage', 'street_id', 'community_id', 'entered_at', 'left_at', 'working'], 'stage_visits_year_figures');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('stage_visits', (t) => {
    t.dropIndex([], 'stage_visits_year_figures');
    t.index(['stage', 'left_year']);
  });
}
