// Emergency supplies of care-call campaigns (应急物资配送, issue 15 item 5): a campaign may schedule
// daily deliveries to households (e.g. ¥100 of meat, vegetables and fruit per household per day).
// A plan names what is delivered, the amount per household per day in fen and its Asia/Shanghai
// days; the households it covers are fixed at creation from the campaign's members; each delivery
// is one row per plan × household × day. Relief money (救助物资): a campaign cost, never the
// micro-project ledger, so nothing here touches allocations or ledger_entries.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('care_supply_plans', (t) => {
    t.string('id', 64).primary();
    t.string('campaign_id', 64).notNullable().references('id').inTable('care_campaigns');
    /** what is delivered, e.g. 肉菜水果 */
    t.string('item', 200).notNullable();
    /** per household per day, integer fen (default ¥100 = 10000) */
    t.integer('amount_fen').notNullable();
    /** Asia/Shanghai days, inclusive, within the campaign's */
    t.string('start_on', 10).notNullable();
    t.string('end_on', 10).notNullable();
    /** JSON: {levels: string[], flags: ('alone' | 'daily')[]}; the creator's scope decides the communities */
    t.text('selection').notNullable();
    t.integer('household_count').notNullable();
    t.string('created_by', 64).notNullable();
    t.string('created_at', 30).notNullable();
    t.index(['campaign_id', 'created_at']);
  });
  await knex.schema.createTable('care_supply_households', (t) => {
    t.string('plan_id', 64).notNullable().references('id').inTable('care_supply_plans');
    t.string('beneficiary_id', 64).notNullable().references('id').inTable('beneficiaries');
    t.string('community_id', 64).notNullable();
    /** the campaign's order (its member position) */
    t.integer('position').notNullable();
    t.primary(['plan_id', 'beneficiary_id']);
    t.index(['plan_id', 'community_id', 'position']);
  });
  await knex.schema.createTable('care_supply_deliveries', (t) => {
    t.increments('id').primary();
    t.string('plan_id', 64).notNullable().references('id').inTable('care_supply_plans');
    t.string('beneficiary_id', 64).notNullable();
    t.string('community_id', 64).notNullable();
    /** the Asia/Shanghai day delivered for */
    t.string('day', 10).notNullable();
    t.integer('amount_fen').notNullable();
    t.string('delivered_by', 64).notNullable();
    /** UTC instant */
    t.string('delivered_at', 30).notNullable();
    t.text('note');
    t.unique(['plan_id', 'beneficiary_id', 'day']);
    t.index(['plan_id', 'day', 'community_id']);
    t.index(['plan_id', 'community_id', 'day']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['care_supply_deliveries', 'care_supply_households', 'care_supply_plans']) await knex.schema.dropTableIfExists(table);
}
