// Needs (需求, issue 15 item 2): the read model of the `need` workflow, kept in step by its
// definition's `project` hook in every transition's transaction (src/needs/need-definition.ts), and
// the links between needs and the projects they were adopted into (several needs may feed one
// project), so the project side can list the needs behind it.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('needs', (t) => {
    t.string('id', 64).primary().references('id').inTable('workflow_instances');
    t.string('ref', 32).notNullable().unique();
    t.string('district_id', 64).notNullable().references('id').inTable('districts');
    t.string('street_id', 64).notNullable().references('id').inTable('streets');
    t.string('community_id', 64).notNullable().references('id').inTable('communities');
    t.string('type', 32).notNullable();
    t.string('source', 16).notNullable();
    t.string('state', 32).notNullable();
    t.string('received_at', 30).notNullable();
    /** when it reached its outcome (resolved, adopted or declined) */
    t.string('resolved_at', 30);
    /** the referral's deadline while referred */
    t.string('deadline', 30);
    /** `street:<id>` or `community:<id>`: where it was referred */
    t.string('referred_to', 80);
    t.string('escalated_at', 30);
    t.string('informed_at', 30);
    t.string('beneficiary_id', 64);
    t.string('project_id', 64);
    t.string('created_by', 64).notNullable();
    t.string('updated_at', 30).notNullable();
    t.index(['community_id', 'state']);
    t.index(['street_id', 'state']);
    t.index(['state', 'received_at']);
    t.index(['referred_to']);
  });
  await knex.schema.createTable('need_projects', (t) => {
    t.string('need_id', 64).notNullable().references('id').inTable('needs');
    t.string('project_id', 64).notNullable().references('id').inTable('projects');
    t.string('linked_at', 30).notNullable();
    t.primary(['need_id', 'project_id']);
    t.index(['project_id']);
  });
  // one counter per district and year for the needs' references (XQ-2026-0001)
  await knex.schema.createTable('need_ref_counters', (t) => {
    t.string('district_id', 64).notNullable();
    t.integer('year').notNullable();
    t.integer('next').notNullable();
    t.primary(['district_id', 'year']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('need_ref_counters');
  await knex.schema.dropTableIfExists('need_projects');
  await knex.schema.dropTableIfExists('needs');
}
