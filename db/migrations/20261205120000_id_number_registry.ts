// One registration per ID number, enforced by the database (issue: concurrent registrations could
// both pass the SELECT before INSERT). A plain unique index on beneficiaries.id_number cannot be
// added: duplicates stored before the rule stay (an admin resolves them; `weishishi verify` lists
// them), and stored numbers may predate normalising. So the registry is a table of its own: one row
// per normalised ID number, naming the beneficiary that holds it; registration inserts into it in
// the same transaction as the beneficiary, and its primary key refuses the second.
//
// The key is the normalised number itself (no spaces, X in upper case): the same personal data as
// beneficiaries.id_number, in the same database. A keyed hash would need a key the migration does
// not have and that could never be rotated without rebuilding this table.
import type { Knex } from 'knex';

/** The stored number in its normal form, as the beneficiary service computes it (fixed here: migrations never change). */
const NORMAL_ID_SQL = "upper(replace(replace(id_number, ' ', ''), '\t', ''))";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('beneficiary_id_numbers', (t) => {
    t.string('id_number_key', 32).primary();
    t.string('beneficiary_id', 64).notNullable().unique().references('id').inTable('beneficiaries');
  });
  // Each number held by its first (oldest) beneficiary; later duplicates stay unregistered and are
  // still listed by verify. Ordered as verify orders them: created_at, then id.
  await knex.raw(`
    INSERT INTO beneficiary_id_numbers (id_number_key, beneficiary_id)
    SELECT normal_id, id FROM (
      SELECT id, ${NORMAL_ID_SQL} AS normal_id, row_number() OVER (PARTITION BY ${NORMAL_ID_SQL} ORDER BY created_at, id) AS n
      FROM beneficiaries
    ) ranked
    WHERE n = 1`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('beneficiary_id_numbers');
}
