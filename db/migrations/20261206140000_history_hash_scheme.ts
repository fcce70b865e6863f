// History hash scheme 2 (src/engine/hash.ts): new rows hash their personal fields as salted digests,
// so that a copy with those fields masked still verifies. Each row records its scheme; rows written
// before this migration keep scheme 1 (the hash covers the payload as stored). `digests` holds, for
// a scheme 2 row, each personal field's salt and digest by path (JSON; `{}` when it has none).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('workflow_history', (t) => {
    t.integer('hash_scheme').notNullable().defaultTo(1);
    t.text('digests');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('workflow_history', (t) => {
    t.dropColumn('digests');
    t.dropColumn('hash_scheme');
  });
}
