// Vendor eligibility (issue 14, item 1): what a vendor's record holds for the programme's
// eligibility rules — its registration date, its social-organisation rating (社会组织评估等级,
// 1A–5A) where it has one, its full-time staff — and its violations, each with a date and a source.
// A vendor proposes changes to its own record in the vendor portal; an admin confirms or rejects
// them, and every change (proposed, confirmed, rejected, or made by an admin) is kept.
// Nullable: no vendor had these facts before; the rules refuse a record that lacks one they need.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('vendors', (t) => {
    t.string('registered_on', 10).nullable();
    t.string('rating', 4).nullable();
    t.integer('full_time_staff').nullable();
  });
  await knex.schema.createTable('vendor_violations', (t) => {
    t.string('id', 64).primary();
    t.string('vendor_id', 64).notNullable().references('id').inTable('vendors');
    t.string('occurred_on', 10).notNullable();
    t.string('source', 200).notNullable();
    t.string('description', 500).notNullable();
    t.string('recorded_by', 64).notNullable();
    t.string('recorded_at', 30).notNullable();
    t.index(['vendor_id', 'occurred_on']);
  });
  await knex.schema.createTable('vendor_record_changes', (t) => {
    t.string('id', 64).primary();
    t.string('vendor_id', 64).notNullable().references('id').inTable('vendors');
    /** 1, 2, … per vendor: the order of its changes (several may share a clock reading) */
    t.integer('seq').notNullable();
    /** JSON: the fields proposed, `{registeredOn?, rating?, fullTimeStaff?}` */
    t.text('changes').notNullable();
    /** JSON: the same fields as they were when the change was proposed */
    t.text('previous').notNullable();
    t.string('status', 10).notNullable();
    t.string('requested_by', 64).notNullable();
    t.string('requested_at', 30).notNullable();
    t.string('decided_by', 64).nullable();
    t.string('decided_at', 30).nullable();
    t.string('note', 500).nullable();
    t.index(['status', 'requested_at']);
    t.unique(['vendor_id', 'seq']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('vendor_record_changes');
  await knex.schema.dropTableIfExists('vendor_violations');
  await knex.schema.alterTable('vendors', (t) => {
    t.dropColumn('full_time_staff');
    t.dropColumn('rating');
    t.dropColumn('registered_on');
  });
}
