// Which projects a document belongs to: an upload is always made for one project, and anyone who
// may read that project may read the document. Documents are content-addressed (sha256), so the same
// file uploaded for two projects has two links.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('document_links', (t) => {
    t.string('document_id', 64).notNullable().references('id').inTable('documents');
    t.string('project_id', 64).notNullable();
    t.string('linked_at', 30).notNullable();
    t.primary(['document_id', 'project_id']);
    t.index(['project_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('document_links');
}
