// Photos without where they were taken (issue 12, item 2). Images are re-encoded before they are
// stored (src/documents/images.ts); what the EXIF said about when a photo was taken is kept as a
// field, read before the metadata is removed (never the location). Images stored before that are
// scrubbed by `weishishi documents scrub`: the id (the sha256 of the bytes first stored, named by
// history rows) stays, the bytes under it change, and
//   - documents.content_sha256 is the sha256 of the bytes served now (set to the id for every
//     existing row here, and by the application for new ones), with documents.size their size;
//   - document_replacements records each replacement: old and new content hash and size, when, why.
// No foreign key on document_replacements: the record outlives a pending upload the sweep deletes.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('documents', (t) => {
    t.string('captured_at', 30).nullable();
    t.string('content_sha256', 64).nullable();
  });
  await knex('documents').update({ content_sha256: knex.ref('id') });
  await knex.schema.createTable('document_replacements', (t) => {
    t.increments('id').primary();
    t.string('document_id', 64).notNullable().index();
    t.string('old_sha256', 64).notNullable();
    t.string('new_sha256', 64).notNullable();
    t.bigInteger('old_size').notNullable();
    t.bigInteger('new_size').notNullable();
    t.string('replaced_at', 30).notNullable();
    t.string('reason', 200).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('document_replacements');
  await knex.schema.alterTable('documents', (t) => {
    t.dropColumn('content_sha256');
    t.dropColumn('captured_at');
  });
}
