// Uploads are pending until an accepted event links them (issue 9, item 4). Each upload is
// recorded per uploader, since documents are content-addressed and two people may upload the same
// bytes: a document is pending while no document_links row names it, counts towards its uploaders'
// quotas and upload rates, and is deleted when nothing links it within 24 hours of its last upload.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('document_uploads', (t) => {
    t.string('document_id', 64).notNullable().references('id').inTable('documents');
    t.string('user_id', 64).notNullable();
    t.integer('size').notNullable();
    t.string('uploaded_at', 30).notNullable();
    t.primary(['document_id', 'user_id']);
    t.index(['user_id', 'uploaded_at']);
    t.index(['uploaded_at']);
  });
  // every document stored so far was linked at once: its uploader's record, for the access rule
  await knex.raw('INSERT INTO document_uploads (document_id, user_id, size, uploaded_at) SELECT id, uploaded_by, size, uploaded_at FROM documents');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('document_uploads');
}
