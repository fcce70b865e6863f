// Documents get a kind (issue 11, the project file 一项目一档案): minutes, quote, contract,
// delivery evidence, acceptance report, invoice, payment voucher, fund statement … A kind belongs to a
// document's link to a project (the same bytes may be a quote in one project and something else in
// another), and an uploader may name one for a pending upload (document_uploads.kind), used when an
// event links it. Links made before this migration get the kind their linking event implies: the
// first history row of the project that names the document.
//
// The mapping is copied here on purpose: a migration never changes after release, whatever the
// application's own mapping (src/documents/refs.ts) becomes.
import type { Knex } from 'knex';

const LIST_FIELDS = ['evidence', 'attachments'] as const;

function kindOf(type: string, field: string): string {
  if (type === 'RECORD_DELIBERATION' && field === 'minutes') return 'minutes';
  if (type === 'SUBMIT_QUOTE' && field === 'attachments') return 'quote';
  if (type === 'SIGN_CONTRACT' && field === 'attachments') return 'contract';
  if ((type === 'RECORD_DELIVERY' || type === 'RECTIFIED') && field === 'evidence') return 'delivery_evidence';
  if (type === 'RECORD_ACCEPTANCE' && field === 'attachments') return 'acceptance_report';
  if ((type === 'RECORD_PAYMENT' || type === 'RELEASE_RETENTION') && field === 'attachments') return 'payment_voucher';
  if (type === 'RECORD_EVALUATION') return 'evaluation';
  return 'other';
}

const isId = (s: unknown): s is string => typeof s === 'string' && /^[0-9a-f]{64}$/.test(s);

function parse(v: unknown): Record<string, unknown> {
  if (typeof v !== 'string') return (v ?? {}) as Record<string, unknown>;
  try {
    return JSON.parse(v) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('document_links', (t) => {
    t.string('kind', 32).notNullable().defaultTo('other');
  });
  await knex.schema.alterTable('document_uploads', (t) => {
    t.string('kind', 32).nullable();
  });
  const projects = (await knex('document_links').distinct('project_id')).map((r: { project_id: string }) => r.project_id);
  for (const projectId of projects) {
    const linked = new Set((await knex('document_links').where({ project_id: projectId }).select('document_id')).map((r: { document_id: string }) => r.document_id));
    const kinds = new Map<string, string>();
    const rows = await knex('workflow_history').where({ instance_id: projectId }).orderBy('seq').select('type', 'payload');
    for (const row of rows) {
      const payload = parse(row.payload);
      const named: Array<[string, string]> = [];
      for (const f of LIST_FIELDS) if (Array.isArray(payload[f])) for (const d of payload[f] as unknown[]) if (isId(d)) named.push([d, f]);
      if (isId(payload.minutes)) named.push([payload.minutes, 'minutes']);
      for (const [doc, field] of named) if (linked.has(doc) && !kinds.has(doc)) kinds.set(doc, kindOf(String(row.type), field));
    }
    for (const [doc, kind] of kinds) {
      if (kind !== 'other') await knex('document_links').where({ project_id: projectId, document_id: doc }).update({ kind });
    }
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('document_uploads', (t) => {
    t.dropColumn('kind');
  });
  await knex.schema.alterTable('document_links', (t) => {
    t.dropColumn('kind');
  });
}
