// The service-project library (服务项目库, issue 14 item 3): the district's catalogue of standard
// offerings — name, category, project type, unit, reference and ceiling unit prices (integer fen,
// ceiling ≥ reference), description, validity — and the vendors qualified for each (many-to-many).
// An entry is never deleted (projects name it in their history): it is retired. Each change bumps
// `version`, which a project records with the facts it started from.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('library_entries', (t) => {
    t.string('id', 64).primary();
    t.string('district_id', 64).notNullable().references('id').inTable('districts');
    t.string('code', 32).notNullable();
    t.string('name', 200).notNullable();
    /** the kind of help (categories.code) */
    t.string('category', 16).notNullable().references('code').inTable('categories');
    /** goods | works | services */
    t.string('type', 16).notNullable();
    /** session | household | item (每次/课时 · 每户 · 每件) */
    t.string('unit', 16).notNullable();
    t.bigInteger('reference_fen').notNullable();
    t.bigInteger('ceiling_fen').notNullable();
    t.text('description').notNullable();
    t.string('valid_from', 10).notNullable();
    t.string('valid_to', 10).notNullable();
    t.integer('version').notNullable().defaultTo(1);
    t.string('retired_at', 30).nullable();
    t.string('created_by', 64).notNullable();
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.unique(['district_id', 'code']);
    t.index(['district_id', 'retired_at', 'name']);
    t.index(['category']);
  });
  await knex.schema.createTable('library_entry_vendors', (t) => {
    t.string('entry_id', 64).notNullable().references('id').inTable('library_entries');
    t.string('vendor_id', 64).notNullable().references('id').inTable('vendors');
    t.primary(['entry_id', 'vendor_id']);
    t.index(['vendor_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('library_entry_vendors');
  await knex.schema.dropTableIfExists('library_entries');
}
