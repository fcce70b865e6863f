// The bodies of e-mails sent long ago (OUTBOX_KEEP_BODIES_DAYS): a sent row keeps its recipient,
// subject, template, Message-ID and times for good, and loses its text and HTML once it is older
// than the retention (`body_removed_at` says when). The partial index holds only the sent rows that
// still have their bodies, by when they were sent, so the hourly pass reads the oldest at once and
// never walks the rows it has already emptied (millions, in a city's years).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outbox', (t) => {
    t.string('body_removed_at', 30);
  });
  // (on PostgreSQL the index goes into the table's schema, the first of the search path)
  await knex.raw(`create index outbox_sent_bodies on outbox (sent_at) where status = 'sent' and body_removed_at is null`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists outbox_sent_bodies');
  await knex.schema.alterTable('outbox', (t) => {
    t.dropColumn('body_removed_at');
  });
}
