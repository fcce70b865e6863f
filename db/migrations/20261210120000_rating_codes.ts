// Residents rate the work themselves (issue 14 item 4): one single-use code per printed rating
// sheet. Only the code's sha256 is stored (`code_hash`): the plain code is shown once, on the
// printed sheets, and never logged. A code is used once (`used_at` set by a conditional UPDATE …
// WHERE used_at IS NULL); the stars and the optional comment go with it. Comments are for staff only.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rating_codes', (t) => {
    t.string('id', 64).primary();
    t.string('project_id', 64).notNullable().references('id').inTable('projects');
    t.string('code_hash', 64).notNullable().unique();
    t.string('created_at', 30).notNullable();
    t.string('created_by', 64).notNullable();
    t.string('used_at', 30);
    t.integer('stars');
    t.text('comment');
    t.index(['project_id', 'used_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('rating_codes');
}
