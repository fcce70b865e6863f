// The key of what an instance's `workflow_waits` rows hold (src/engine/store.ts `waitsKey`): the
// parties, their tasks and the deadline, as last written. A transition whose description has the
// same key leaves the rows alone without reading them; null (every row before this migration, and
// an instance without a `describe` hook) means "read and compare", as before.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('workflow_instances', (t) => {
    t.text('waits_key');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('workflow_instances', (t) => {
    t.dropColumn('waits_key');
  });
}
