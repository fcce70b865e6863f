// Care-call lists (关爱电话, issue 15 item 3): campaigns built from the beneficiary register, the
// residents each one holds (fixed at creation), the operators (话务员) assigned, every call logged,
// and the escalations to the community after N misses in a row. Roles are not constrained in the
// database (users.role is a plain string), so the new `operator` role needs no change there.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('care_campaigns', (t) => {
    t.string('id', 64).primary();
    t.string('name', 200).notNullable();
    t.string('district_id', 64).notNullable().references('id').inTable('districts');
    /** community | street | district */
    t.string('area_level', 16).notNullable();
    t.string('street_id', 64).references('id').inTable('streets');
    t.string('community_id', 64).references('id').inTable('communities');
    /** JSON: {groups: string[], disabilityLevels: string[], flags: ('alone' | 'daily')[]} */
    t.text('selection').notNullable();
    /** Asia/Shanghai days, inclusive */
    t.string('start_on', 10).notNullable();
    t.string('end_on', 10).notNullable();
    t.integer('calls_per_day').notNullable();
    t.integer('miss_limit').notNullable();
    t.integer('resident_count').notNullable();
    t.integer('operator_count').notNullable();
    t.string('created_by', 64).notNullable();
    t.string('created_at', 30).notNullable();
    t.index(['district_id', 'start_on']);
  });
  await knex.schema.createTable('care_campaign_operators', (t) => {
    t.string('campaign_id', 64).notNullable().references('id').inTable('care_campaigns');
    t.string('user_id', 64).notNullable().references('id').inTable('users');
    /** the operator's share of the list: members whose slot equals it */
    t.integer('slot').notNullable();
    t.primary(['campaign_id', 'user_id']);
    t.index(['user_id']);
  });
  await knex.schema.createTable('care_campaign_members', (t) => {
    t.string('campaign_id', 64).notNullable().references('id').inTable('care_campaigns');
    t.string('beneficiary_id', 64).notNullable().references('id').inTable('beneficiaries');
    t.string('community_id', 64).notNullable();
    /** order in the register at creation (0 …) and the operator share it falls to (position mod operators) */
    t.integer('position').notNullable();
    t.integer('slot').notNullable();
    /** the last call: its Shanghai day, how many calls that day, and whether it reached the resident ('reached' | 'missed') */
    t.string('last_call_on', 10);
    t.integer('calls_on_day').notNullable().defaultTo(0);
    t.string('last_outcome', 8);
    /** calls in a row that did not reach the resident; escalated_at: when this run was escalated */
    t.integer('misses').notNullable().defaultTo(0);
    t.string('escalated_at', 30);
    t.primary(['campaign_id', 'beneficiary_id']);
    t.index(['campaign_id', 'slot', 'position']);
  });
  await knex.schema.createTable('care_calls', (t) => {
    t.increments('id').primary();
    t.string('campaign_id', 64).notNullable().references('id').inTable('care_campaigns');
    t.string('beneficiary_id', 64).notNullable();
    t.string('operator_id', 64).notNullable();
    t.string('day', 10).notNullable();
    t.boolean('reached').notNullable();
    t.text('note');
    /** JSON array of the needs the call raised */
    t.text('need_ids').notNullable();
    t.string('called_at', 30).notNullable();
    t.index(['campaign_id', 'day', 'operator_id']);
    t.index(['campaign_id', 'beneficiary_id']);
  });
  await knex.schema.createTable('care_escalations', (t) => {
    t.increments('id').primary();
    t.string('campaign_id', 64).notNullable().references('id').inTable('care_campaigns');
    t.string('beneficiary_id', 64).notNullable();
    t.string('community_id', 64).notNullable();
    t.integer('misses').notNullable();
    t.integer('call_id').notNullable();
    t.integer('notices').notNullable();
    t.string('escalated_at', 30).notNullable();
    t.unique(['call_id']);
    t.index(['campaign_id', 'community_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['care_escalations', 'care_calls', 'care_campaign_members', 'care_campaign_operators', 'care_campaigns']) await knex.schema.dropTableIfExists(table);
}
