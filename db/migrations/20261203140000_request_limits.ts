// Issue 9 items 5 and 6, three small schema changes that belong together: what a request may repeat
// and how often.
// - `idempotency_keys.body_hash`: sha256 of the canonical body (event type + validated payload), so a
//   key reused with another body is refused; rows written before have none and are answered as before.
// - `rate_limits`: the one limiter's counts, shared by every process and kept over a restart. One row
//   per key (`login-ip:…`, `login-acct:…`, `objection-ip:…`): failures (or hits) in the current
//   window, when that window started, the last failure, and until when the key is refused.
// - `outbox.digest_key`: a pending e-mail that later notices of the same kind fold into (the objection
//   digest: one per notice per recipient per hour).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('idempotency_keys', (t) => {
    t.string('body_hash', 64);
  });
  await knex.schema.createTable('rate_limits', (t) => {
    t.string('key', 300).primary();
    t.integer('count').notNullable().defaultTo(0);
    t.string('window_start', 30).notNullable();
    t.string('blocked_until', 30);
    t.string('updated_at', 30).notNullable();
    t.index(['updated_at']);
  });
  await knex.schema.alterTable('outbox', (t) => {
    t.string('digest_key', 200);
    t.index(['digest_key', 'status']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outbox', (t) => {
    t.dropIndex(['digest_key', 'status']);
    t.dropColumn('digest_key');
  });
  await knex.schema.dropTableIfExists('rate_limits');
  await knex.schema.alterTable('idempotency_keys', (t) => {
    t.dropColumn('body_hash');
  });
}
