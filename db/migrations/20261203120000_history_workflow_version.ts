// Each history row records the workflow version that wrote it, so that `weishishi verify` replays
// every row with the rules it was accepted under (an instance migrated to a newer version mid-life
// keeps rows of both). Rows written before this migration were written by the version their
// instance is stored at: until now no workflow had a second version.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('workflow_history', (t) => {
    t.integer('workflow_version');
  });
  await knex('workflow_history').update({
    workflow_version: knex('workflow_instances').select('workflow_version').where('workflow_instances.id', knex.ref('workflow_history.instance_id')),
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('workflow_history', (t) => {
    t.dropColumn('workflow_version');
  });
}
