// The community's contact telephone (issue 10, item 3): shown on its public notices (公示) and on
// the printed notice for its notice board; an admin edits it on the places page. Nullable: no
// community had one before.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('communities', (t) => {
    t.string('phone', 40).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('communities', (t) => {
    t.dropColumn('phone');
  });
}
