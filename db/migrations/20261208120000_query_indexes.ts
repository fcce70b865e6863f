// Indexes that hold (issue 13, item 5; tests/integration/query-plans.test.ts): the lists and the
// exports show projects newest first (created_at desc, ref desc) and the exports page through them by
// that key. Without an index on it the district's list, the public list and every export batch read
// and sort the whole projects table; with it they walk the index and stop after a page.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('projects', (t) => {
    t.index(['created_at', 'ref']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('projects', (t) => {
    t.dropIndex(['created_at', 'ref']);
  });
}
