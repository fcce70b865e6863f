// Shared snapshot parts (src/engine/parts.ts): the large, unchanging pieces of context many
// instances hold alike (a project's programme rules), stored once, keyed by the sha256 of their
// canonical JSON. Instance rows written before this keep their parts inline, and read as before.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('snapshot_parts', (t) => {
    t.string('hash', 64).primary();
    t.text('json').notNullable();
    t.string('created_at', 30).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('snapshot_parts');
}
