// Reference data (district, streets, communities, categories, vendors), users and API tokens.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('districts', (t) => {
    t.string('id', 64).primary();
    t.string('code', 8).notNullable().unique(); // prefix of project refs, e.g. XZ
    t.string('name_zh', 100).notNullable();
    t.string('name_en', 100).notNullable();
  });
  await knex.schema.createTable('streets', (t) => {
    t.string('id', 64).primary();
    t.string('district_id', 64).notNullable().references('id').inTable('districts');
    t.string('name_zh', 100).notNullable();
    t.string('name_en', 100).notNullable();
  });
  await knex.schema.createTable('communities', (t) => {
    t.string('id', 64).primary();
    t.string('street_id', 64).notNullable().references('id').inTable('streets');
    t.string('name_zh', 100).notNullable();
    t.string('name_en', 100).notNullable();
  });
  await knex.schema.createTable('categories', (t) => {
    t.string('code', 16).primary(); // 助残 助老 …: the code is the Chinese word
    t.string('name_zh', 50).notNullable();
    t.string('name_en', 80).notNullable();
    t.integer('sort').notNullable().defaultTo(0);
    t.boolean('active').notNullable().defaultTo(true);
  });
  await knex.schema.createTable('vendors', (t) => {
    t.string('id', 64).primary();
    t.string('name', 200).notNullable();
    t.string('credit_code', 18); // 统一社会信用代码
    t.string('email', 200).notNullable();
    t.string('phone', 40);
    t.text('types').notNullable(); // JSON array of goods | works | services
    t.string('status', 16).notNullable().defaultTo('active'); // active | suspended
    t.string('created_at', 30).notNullable();
  });
  await knex.schema.createTable('users', (t) => {
    t.string('id', 64).primary();
    t.string('email', 200).notNullable().unique();
    t.string('name', 100).notNullable();
    t.string('role', 16).notNullable(); // community street district finance vendor admin
    t.string('district_id', 64).references('id').inTable('districts');
    t.string('street_id', 64).references('id').inTable('streets');
    t.string('community_id', 64).references('id').inTable('communities');
    t.string('vendor_id', 64).references('id').inTable('vendors');
    t.string('password_hash', 300).notNullable();
    t.string('lang', 8).notNullable().defaultTo('zh-CN');
    t.boolean('disabled').notNullable().defaultTo(false);
    t.string('created_at', 30).notNullable();
  });
  await knex.schema.createTable('api_tokens', (t) => {
    t.string('token_hash', 64).primary(); // sha256 of the bearer token; the token itself is never stored
    t.string('user_id', 64).notNullable().references('id').inTable('users');
    t.string('created_at', 30).notNullable();
    t.string('expires_at', 30).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['api_tokens', 'users', 'vendors', 'categories', 'communities', 'streets', 'districts']) {
    await knex.schema.dropTableIfExists(t);
  }
}
