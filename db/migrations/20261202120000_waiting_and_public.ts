// Whom each workflow instance waits for, written by the engine in the transition's transaction from
// the workflow's own description (ARCHITECTURE §3): one row per party (role + scope, minus the user
// four-eyes excludes) with the events it may send, since when, and the deadline that governs. The
// inbox, the navigation count and the "waiting for" column read only this table.
// `described_version` says which version of the workflow's description wrote the rows, so the
// engine can rebuild them when that code changes (and fills them for instances written before).
// Projects gain `public_since`: the start of their first public notice; they stay public from then on.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('workflow_waits', (t) => {
    t.increments('id').primary();
    t.string('instance_id', 64).notNullable().references('id').inTable('workflow_instances');
    t.string('workflow', 64).notNullable();
    t.string('role', 32).notNullable();
    t.string('scope', 100).notNullable();
    t.string('excluded_user_id', 64);
    t.text('tasks').notNullable(); // event types, comma-separated
    t.string('since', 30).notNullable();
    t.string('deadline_at', 30);
    t.index(['role', 'scope', 'since']);
    t.index(['instance_id']);
  });
  await knex.schema.alterTable('workflow_instances', (t) => {
    t.integer('described_version').notNullable().defaultTo(0);
  });
  await knex.schema.alterTable('projects', (t) => {
    t.string('public_since', 30);
    t.index(['public_since']);
  });
  // Data: a project was public from the first time it entered its public notice.
  await knex('projects').update({
    public_since: knex('workflow_history')
      .min('at')
      .where('workflow_history.instance_id', knex.ref('projects.id'))
      .andWhere('workflow_history.to_state', 'public_notice'),
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('projects', (t) => {
    t.dropIndex(['public_since']);
    t.dropColumn('public_since');
  });
  await knex.schema.alterTable('workflow_instances', (t) => {
    t.dropColumn('described_version');
  });
  await knex.schema.dropTableIfExists('workflow_waits');
}
