// The beneficiary register in the pages (issue 15, item 1): what community staff record of a
// resident besides identity and disability — the group the resident belongs to (受益群体, a code of
// `beneficiary_groups`), the living situation (独居 / 与家人同住 / 有照护人 / 机构供养) and the care
// flags the care-call lists select by (lives alone, needs daily contact); who last edited the row.
// Existing rows: no group or living situation recorded, flags off.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('beneficiaries', (t) => {
    t.string('group_code', 16).nullable();
    t.string('living_situation', 16).nullable();
    t.boolean('lives_alone').notNullable().defaultTo(false);
    t.boolean('needs_daily_contact').notNullable().defaultTo(false);
    t.string('updated_by', 64).nullable();
    t.string('updated_at', 30).nullable();
    // a community's register, a page at a time, in the order it was recorded
    t.index(['community_id', 'created_at', 'id'], 'beneficiaries_register_page');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('beneficiaries', (t) => {
    t.dropIndex(['community_id', 'created_at', 'id'], 'beneficiaries_register_page');
    for (const c of ['group_code', 'living_situation', 'lives_alone', 'needs_daily_contact', 'updated_by', 'updated_at']) t.dropColumn(c);
  });
}
