// The durable engine's own tables. Times are UTC ISO-8601 strings (they sort as text on both databases).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('workflow_instances', (t) => {
    t.string('id', 64).primary();
    t.string('workflow', 64).notNullable();
    t.integer('workflow_version').notNullable();
    t.string('state', 128).notNullable();
    t.string('status', 16).notNullable(); // active | done
    t.text('snapshot').notNullable();
    t.integer('version').notNullable(); // number of history rows = optimistic-concurrency counter
    t.string('history_head', 64).notNullable(); // hash of the last history row
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.index(['workflow', 'state']);
  });

  // Append-only. Each row's hash covers the previous row's hash: rewriting any row breaks the chain.
  await knex.schema.createTable('workflow_history', (t) => {
    t.increments('id').primary();
    t.string('instance_id', 64).notNullable().references('id').inTable('workflow_instances');
    t.integer('seq').notNullable();
    t.string('type', 64).notNullable();
    t.text('payload').notNullable();
    t.text('actor').notNullable();
    t.string('from_state', 128);
    t.string('to_state', 128).notNullable();
    t.string('at', 30).notNullable();
    t.string('prev_hash', 64).notNullable();
    t.string('hash', 64).notNullable();
    t.unique(['instance_id', 'seq']);
  });

  await knex.schema.createTable('timers', (t) => {
    t.increments('id').primary();
    t.string('instance_id', 64).notNullable().references('id').inTable('workflow_instances');
    t.string('send_id', 64).notNullable();
    t.text('event').notNullable();
    t.string('due_at', 30).notNullable();
    t.string('status', 16).notNullable(); // pending | fired | skipped | cancelled
    t.integer('created_seq').notNullable();
    t.string('created_at', 30).notNullable();
    t.string('fired_at', 30);
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('note');
    t.index(['status', 'due_at']);
    t.index(['instance_id', 'send_id', 'status']);
  });

  await knex.schema.createTable('outbox', (t) => {
    t.increments('id').primary();
    t.string('instance_id', 64).references('id').inTable('workflow_instances');
    t.string('message_id', 200).notNullable().unique();
    t.string('template', 64);
    t.text('to_addr').notNullable();
    t.text('subject').notNullable();
    t.text('html');
    t.text('text').notNullable();
    t.string('status', 16).notNullable(); // pending | sending | sent | dead
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('next_attempt_at', 30).notNullable();
    t.string('locked_until', 30);
    t.text('last_error');
    t.string('created_at', 30).notNullable();
    t.string('sent_at', 30);
    t.index(['status', 'next_attempt_at']);
  });

  await knex.schema.createTable('idempotency_keys', (t) => {
    t.string('actor_id', 64).notNullable();
    t.string('key', 200).notNullable();
    t.string('instance_id', 64).notNullable();
    t.string('event_type', 64).notNullable();
    t.text('response').notNullable();
    t.string('created_at', 30).notNullable();
    t.primary(['actor_id', 'key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['idempotency_keys', 'outbox', 'timers', 'workflow_history', 'workflow_instances']) {
    await knex.schema.dropTableIfExists(t);
  }
}
