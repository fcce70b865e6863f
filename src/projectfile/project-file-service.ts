// The project file (一项目一档案, issue 11): everything an auditor expects of one project, in the
// order they read it, as the viewer may see it. It reads only what the project service presents
// (projects/project-presenter.ts decides what is sealed and what is masked: quotes stay sealed until
// the deadline and, for vendors, the award; beneficiaries' personal data is masked for whoever may
// not see it), the documents linked to the project with their kind, the project's own rules version
// (which kinds it must hold, and from which stage), and the history with its hash chain and the
// engine's verification of it. Staff with the project in scope only: community (its own), street
// (its own), district and finance; vendors, admins and the public are refused.
import type { Engine } from '../engine/engine.js';
import { verifyInstance } from '../engine/verify.js';
import { canonicalJson, GENESIS_HASH } from '../engine/hash.js';
import { ForbiddenError } from '../errors.js';
import type { Db } from '../lib/db.js';
import { userNames, type User } from '../auth/users.js';
import type { ProjectService } from '../projects/project-service.js';
import type { DocumentService, DocumentMeta } from '../documents/document-service.js';
import { referencedDocuments } from '../documents/refs.js';
import { DOCUMENT_KINDS, STAGES, upgradeRules, type DocumentKind, type ProjectContext, type RequiredDocument, type Stage } from '../../workflows/project/index.js';

/** Who may fetch a project file (ARCHITECTURE §6): staff who work on projects, within their scope. */
export const FILE_ROLES = ['community', 'street', 'district', 'finance'] as const;

/** The sections of the file, in the order an auditor reads them, and the kind of document each holds. */
export const FILE_SECTIONS = [
  { key: 'application', kind: 'application' },
  { key: 'screening', kind: 'screening' },
  { key: 'minutes', kind: 'minutes' },
  { key: 'notices', kind: 'notice' },
  { key: 'approvals', kind: 'approval' },
  { key: 'quotes', kind: 'quote' },
  { key: 'contract', kind: 'contract' },
  { key: 'deliveryEvidence', kind: 'delivery_evidence' },
  { key: 'acceptanceReport', kind: 'acceptance_report' },
  { key: 'invoice', kind: 'invoice' },
  { key: 'payments', kind: 'payment_voucher' },
  { key: 'fundStatement', kind: 'fund_statement' },
  { key: 'evaluation', kind: 'evaluation' },
  { key: 'other', kind: 'other' },
] as const satisfies ReadonlyArray<{ key: string; kind: DocumentKind }>;
export type SectionKey = (typeof FILE_SECTIONS)[number]['key'];

export interface FileDocument extends DocumentMeta {
  kind: DocumentKind;
  linkedAt: string;
}

/** A history row of the file: as the viewer may read it, with what its hash covers. */
export interface FileHistoryRow {
  seq: number;
  type: string;
  from: string | null;
  to: string;
  at: string;
  /** the whole actor, as hashed (ids and role: no personal data) */
  actor: Record<string, unknown>;
  /** the payload as presented to this viewer (the proposal's facts on `$start`) */
  payload: Record<string, unknown>;
  /** the workflow version that wrote the row (hashed from version 2 on) */
  workflowVersion?: number;
  prevHash: string;
  hash: string;
  /**
   * true when the payload shown is not the payload stored (personal data masked for this viewer):
   * its hash then checks only under a scheme that hashes digests of what is masked.
   */
  masked: boolean;
  [extra: string]: unknown;
}

export interface FileVerification {
  ok: boolean;
  events: number;
  problem?: { seq?: number; problem: string };
}

export function createProjectFileService(deps: { db: Db; engine: Engine; projects: ProjectService; documents: DocumentService }) {
  const { db, engine, projects, documents } = deps;

  async function build(user: User, id: string) {
    if (!(FILE_ROLES as readonly string[]).includes(user.role)) {
      throw new ForbiddenError('only staff with the project in scope may fetch its file', { reasons: [{ code: 'WRONG_ROLE' }] });
    }
    const row = await projects.readable(user, id); // 404, or 403 OUT_OF_SCOPE
    const [project, presented, instance, stored] = await Promise.all([
      projects.get(user, id), projects.history(user, id), engine.get(id), engine.history(id),
    ]);
    const context = (instance.snapshot as { context: ProjectContext }).context;
    const rules = upgradeRules(structuredClone(context.rules));

    // The documents this viewer may see: those the presented history and deliveries name (a sealed
    // quote's attachments are not among them), with the kind of their link.
    const visible = new Set([
      ...presented.flatMap((h) => referencedDocuments(h.payload)),
      ...(project.contract?.items.flatMap((i) => i.deliveries.flatMap((d) => d.evidence)) ?? []),
    ]);
    const links = (await db('document_links').where({ project_id: id }).select('document_id', 'kind', 'linked_at')) as Array<{ document_id: string; kind: string; linked_at: string }>;
    const metas = await documents.describe(links.map((l) => l.document_id).filter((d) => visible.has(d)));
    const kindOf = (k: string): DocumentKind => ((DOCUMENT_KINDS as readonly string[]).includes(k) ? (k as DocumentKind) : 'other');
    const docs: FileDocument[] = links
      .filter((l) => metas.has(l.document_id))
      .map((l) => ({ ...metas.get(l.document_id)!, kind: kindOf(l.kind), linkedAt: l.linked_at }))
      .sort((a, b) => a.uploadedAt.localeCompare(b.uploadedAt) || a.filename.localeCompare(b.filename));

    // Required documents: those of the project's own rules version for its type, once the project
    // has reached the stage they are required from (the furthest stage on its way, by the
    // machine's order; a project cancelled in delivery still needed its contract).
    const off: readonly string[] = ['rejected', 'withdrawn', 'cancelled'];
    const furthest = Math.max(-1, ...stored.map((h) => h.to).filter((s) => !off.includes(s)).map((s) => STAGES.indexOf(s as Stage)));
    const held = new Set(links.map((l) => kindOf(l.kind)));
    const required = (rules.requiredDocuments ?? []).filter((r: RequiredDocument) => r.types.length === 0 || r.types.includes(row.type));
    const due = required.filter((r) => STAGES.indexOf(r.from) <= furthest && STAGES.indexOf(r.from) >= 0);
    const missing = due.filter((r) => !held.has(r.kind));

    // The history: each presented row with what its hash covers. Staff are never sealed readers, so
    // the presented rows are the stored ones, one for one.
    const bySeq = new Map(stored.map((h) => [h.seq, h]));
    const history: FileHistoryRow[] = presented.map((p) => {
      const s = bySeq.get(p.seq)!;
      // `$start` is the proposal (the presenter leaves it out of timelines for its length, not its content)
      const payload = p.type === '$start' ? s.payload : p.payload;
      return {
        ...p,
        actor: s.actor,
        payload,
        ...(s.workflowVersion !== undefined ? { workflowVersion: s.workflowVersion } : {}),
        prevHash: s.prevHash,
        hash: s.hash,
        masked: canonicalJson(payload) !== canonicalJson(s.payload),
      };
    });
    const result = await verifyInstance(engine, db, instance);
    const verification: FileVerification = {
      ok: !result.problem, events: result.events,
      ...(result.problem ? { problem: { ...(result.problem.seq ? { seq: result.problem.seq } : {}), problem: result.problem.problem } } : {}),
    };

    const actorNames = await userNames(db, stored.map((h) => String((h.actor as { id?: unknown }).id)));

    return {
      project, rules, documents: docs, required: due, missing, history, verification,
      historyHead: instance.historyHead, genesisHash: GENESIS_HASH, actorNames, visitedStages: [...new Set(stored.map((h) => h.to))],
    };
  }

  return { build };
}

export type ProjectFileService = ReturnType<typeof createProjectFileService>;
export type ProjectFile = Awaited<ReturnType<ProjectFileService['build']>>;

/** history.json: the history as this viewer may see it, with hashes, and how to check them. */
export function historyJson(file: ProjectFile, viewer: User, generatedAt: string) {
  return {
    project: { id: file.project.id, ref: file.project.ref, title: file.project.title },
    generatedAt,
    viewer: { role: viewer.role },
    chain: {
      algorithm: 'sha256',
      // src/engine/hash.ts: rowHash (scheme 1) hashes prevHash, a newline and the canonical JSON (keys
      // sorted) of {instanceId, seq, type, payload, actor, from, to, at, workflowVersion (from 2 on)};
      // rowHashV2 (scheme 2) the same with each personal field replaced by its digest (digests, by
      // path), plus hashScheme and the sorted digested paths. src/engine/verify.ts
      // verifyShippedHistory checks a copy like this one without the database.
      schemes: {
        1: 'sha256(prevHash + "\n" + canonicalJson({instanceId, seq, type, payload, actor, from, to, at, workflowVersion?}))',
        2: 'as 1, with payload[path] = digests[path].digest for every digested path, plus hashScheme: 2 and digested: sorted paths; digest = sha256(salt + "\n" + canonicalJson(value))',
      },
      instanceId: file.project.id,
      genesisHash: file.genesisHash,
      head: file.historyHead,
      note: 'masked: true marks a payload with personal data withheld from this viewer. A scheme 2 row still verifies from its digests; a scheme 1 row (written before digests) only unmasked, which the server did (verification).',
    },
    verification: file.verification,
    rows: file.history,
  };
}
