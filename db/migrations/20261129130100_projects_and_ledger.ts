// The project read model, the budget ledger, beneficiaries, programme rules, calendar overrides,
// documents. Money is integer fen (bigint); times are UTC ISO strings.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('programme_rules', (t) => {
    t.string('district_id', 64).notNullable().references('id').inTable('districts');
    t.integer('version').notNullable();
    t.text('rules').notNullable(); // JSON ProgrammeRules
    t.string('published_by', 64);
    t.string('published_at', 30).notNullable();
    t.text('note');
    t.primary(['district_id', 'version']);
  });
  await knex.schema.createTable('calendar_overrides', (t) => {
    t.string('date', 10).primary(); // YYYY-MM-DD, Asia/Shanghai
    t.string('kind', 8).notNullable(); // workday | holiday
    t.string('note', 200);
    t.string('updated_by', 64);
    t.string('updated_at', 30).notNullable();
  });
  await knex.schema.createTable('ref_counters', (t) => {
    t.string('district_id', 64).notNullable();
    t.integer('year').notNullable();
    t.integer('next').notNullable();
    t.primary(['district_id', 'year']);
  });
  await knex.schema.createTable('projects', (t) => {
    t.string('id', 64).primary().references('id').inTable('workflow_instances');
    t.string('ref', 32).notNullable().unique();
    t.string('district_id', 64).notNullable().references('id').inTable('districts');
    t.string('street_id', 64).notNullable().references('id').inTable('streets');
    t.string('community_id', 64).notNullable().references('id').inTable('communities');
    t.integer('year').notNullable();
    t.string('type', 16).notNullable();
    t.string('category', 16).notNullable();
    t.string('title', 200).notNullable();
    t.text('description');
    t.bigInteger('estimated_fen').notNullable();
    t.bigInteger('approved_fen');
    t.bigInteger('awarded_fen');
    t.bigInteger('paid_fen').notNullable().defaultTo(0);
    t.string('vendor_id', 64);
    t.string('state', 64).notNullable();
    t.string('stage_entered_at', 30).notNullable();
    t.string('next_deadline_at', 30);
    t.integer('rules_version').notNullable();
    t.string('created_by', 64).notNullable();
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.index(['community_id', 'state']);
    t.index(['street_id', 'state']);
    t.index(['state', 'stage_entered_at']);
    t.index(['year']);
  });
  // Which vendors were invited to quote on which project: a vendor's scope.
  await knex.schema.createTable('project_vendors', (t) => {
    t.string('project_id', 64).notNullable().references('id').inTable('projects');
    t.string('vendor_id', 64).notNullable().references('id').inTable('vendors');
    t.primary(['project_id', 'vendor_id']);
    t.index(['vendor_id']);
  });
  await knex.schema.createTable('allocations', (t) => {
    t.string('community_id', 64).notNullable().references('id').inTable('communities');
    t.integer('year').notNullable();
    t.bigInteger('allocated_fen').notNullable();
    t.bigInteger('reserved_fen').notNullable().defaultTo(0);
    t.bigInteger('committed_fen').notNullable().defaultTo(0);
    t.bigInteger('spent_fen').notNullable().defaultTo(0);
    t.primary(['community_id', 'year']);
    // The ledger invariant, enforced by the database itself: nothing is ever negative, and
    // allocated = available + reserved + committed + spent with available >= 0.
    t.check(
      '?? >= 0 AND ?? >= 0 AND ?? >= 0 AND ?? - ?? - ?? - ?? >= 0',
      ['reserved_fen', 'committed_fen', 'spent_fen', 'allocated_fen', 'reserved_fen', 'committed_fen', 'spent_fen'],
      'allocations_balanced',
    );
  });
  // What each project holds of its community's allocation right now.
  await knex.schema.createTable('project_ledger', (t) => {
    t.string('project_id', 64).primary().references('id').inTable('projects');
    t.bigInteger('reserved_fen').notNullable().defaultTo(0);
    t.bigInteger('committed_fen').notNullable().defaultTo(0);
    t.bigInteger('spent_fen').notNullable().defaultTo(0);
    t.check('?? >= 0 AND ?? >= 0 AND ?? >= 0', ['reserved_fen', 'committed_fen', 'spent_fen'], 'project_ledger_nonnegative');
  });
  await knex.schema.createTable('ledger_entries', (t) => {
    t.increments('id').primary();
    t.string('community_id', 64).notNullable();
    t.integer('year').notNullable();
    t.string('project_id', 64).references('id').inTable('projects');
    t.string('kind', 16).notNullable(); // allocate | reserve | commit | release | spend
    t.bigInteger('fen').notNullable();
    t.string('note', 200);
    t.string('at', 30).notNullable();
    t.index(['community_id', 'year']);
    t.index(['project_id']);
  });
  await knex.schema.createTable('beneficiaries', (t) => {
    t.string('id', 64).primary();
    t.string('community_id', 64).notNullable().references('id').inTable('communities');
    t.string('name', 100).notNullable();
    t.string('id_number', 18).notNullable();
    t.string('phone', 40);
    t.string('address', 300).notNullable();
    t.string('disability_type', 40);
    t.string('disability_level', 16);
    t.integer('household_size');
    t.string('created_by', 64).notNullable();
    t.string('created_at', 30).notNullable();
    t.index(['community_id']);
  });
  // Every read of unmasked personal data: who, which, why, when.
  await knex.schema.createTable('beneficiary_access_log', (t) => {
    t.increments('id').primary();
    t.string('beneficiary_id', 64).notNullable().references('id').inTable('beneficiaries');
    t.string('user_id', 64).notNullable();
    t.string('purpose', 100).notNullable();
    t.string('at', 30).notNullable();
    t.index(['beneficiary_id']);
  });
  await knex.schema.createTable('documents', (t) => {
    t.string('id', 64).primary(); // sha256 of the content
    t.string('filename', 255).notNullable();
    t.string('mime', 100).notNullable();
    t.integer('size').notNullable();
    t.string('uploaded_by', 64).notNullable();
    t.string('uploaded_at', 30).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['documents', 'beneficiary_access_log', 'beneficiaries', 'ledger_entries', 'project_ledger', 'allocations', 'project_vendors', 'projects', 'ref_counters', 'calendar_overrides', 'programme_rules']) {
    await knex.schema.dropTableIfExists(t);
  }
}
