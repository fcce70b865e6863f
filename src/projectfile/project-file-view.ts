// The project file as a page (templates/pages/projects/file.hbs): the sections in the auditor's
// order, each with its facts, its documents and its missing required documents, then the history
// with its hashes and the verification. Formatting only: what is sealed or masked was decided by
// the presenter (project-file-service.ts). The same model renders the web page (documents link to
// /documents/:id) and the ZIP's index.html (documents link to their place in the archive).
import { t, type Lang } from '../lib/i18n.js';
import { formatShanghai } from '../lib/calendar.js';
import { stateLabel } from '../lib/reason-text.js';
import { namer, type Lookups } from '../web/labels.js';
import { servedFilename } from '../documents/filename.js';
import { GRADES, type DocumentKind } from '../../workflows/project/index.js';
import { FILE_SECTIONS, type FileDocument, type ProjectFile, type SectionKey } from './project-file-service.js';

/** Where each document goes in the ZIP: documents/<kind>/<clean name>, a counter added to repeated names. */
export function archivePaths(docs: FileDocument[]): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const d of docs) {
    if (out.has(d.id)) continue;
    const name = servedFilename(d.filename, d.mime);
    const dot = name.lastIndexOf('.');
    let candidate = `documents/${d.kind}/${name}`;
    for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `documents/${d.kind}/${name.slice(0, dot)}-${n}${name.slice(dot)}`;
    taken.add(candidate.toLowerCase());
    out.set(d.id, candidate);
  }
  return out;
}

export interface FileViewOptions {
  lang: Lang;
  lookups: Lookups;
  /** web: links to /documents/:id and the ZIP; archive: links inside the ZIP */
  mode: 'web' | 'archive';
  generatedAt: string;
}

const dt = (iso: string | null | undefined) => (iso ? formatShanghai(iso, 'datetime') : '—');

export function projectFileView(file: ProjectFile, opts: FileViewOptions) {
  const { lang } = opts;
  const nm = namer(lang, opts.lookups);
  const p = file.project;
  const paths = archivePaths(file.documents);
  const href = (doc: FileDocument) => (opts.mode === 'web' ? `/documents/${doc.id}` : paths.get(doc.id)!);
  const kindLabel = (k: string) => t(lang, `documents.kinds.${k}`, { defaultValue: k });
  const docView = (doc: FileDocument) => ({
    id: doc.id, filename: doc.filename, href: href(doc), kind: kindLabel(doc.kind), uploadedAt: dt(doc.uploadedAt), path: paths.get(doc.id),
  });
  const byId = new Map(file.documents.map((x) => [x.id, x]));
  const docLinks = (ids: readonly string[]) => ids.map((id) => byId.get(id)).filter((x): x is FileDocument => Boolean(x)).map(docView);
  const actor = (a: { id?: unknown; role?: unknown }) => {
    const name = file.actorNames.get(String(a.id));
    const role = t(lang, `projects.userRoles.${String(a.role)}`, { defaultValue: String(a.role) });
    return name ? `${name}（${role}）` : role;
  };
  const rowsOf = (type: string) => file.history.filter((h) => h.type === type);
  const masked = t(lang, 'projectFile.masked');

  const facts: Partial<Record<SectionKey, unknown>> = {
    application: {
      submitted: rowsOf('SUBMIT').map((h) => ({ by: actor(h.actor), at: dt(h.at) })),
      createdAt: dt(p.createdAt),
      budgetYear: p.budgetYear,
      mainGroup: nm.group(p.mainGroup),
      otherGroups: p.otherGroups.map((g) => nm.group(g)).join('、') || '—',
      category: nm.category(p.category),
      type: nm.type(p.type),
      community: nm.community(p.communityId),
      street: nm.street(p.streetId),
      description: p.description,
      beneficiaryCount: p.beneficiaryCount ?? '—',
      estimatedFen: p.estimatedFen,
      items: p.items.map((i) => ({ ...i, totalFen: i.quantity * i.unitFen })),
    },
    screening: p.checklist
      ? {
        passed: rowsOf('SCREEN_PASS').map((h) => ({ by: actor(h.actor), at: dt(h.at) })),
        positiveArea: p.positiveArea ? (lang === 'en' ? p.positiveArea.en : p.positiveArea.zh) : null,
        negativeItems: 'negativeItems' in p.checklist
          ? Object.entries(p.checklist.negativeItems).map(([code, v]) => {
            const entry = file.rules.screening?.negativeItems.find((x) => x.code === code);
            return { name: entry ? (lang === 'en' ? entry.en : entry.zh) : code, answer: t(lang, v ? 'projects.yes' : 'projects.no') };
          })
          : [],
        duplicate: t(lang, p.checklist.duplicate ? 'projects.yes' : 'projects.no'),
      }
      : null,
    minutes: p.meetings.map((m, i) => ({
      n: i + 1, heldOn: m.heldOn, at: dt(m.at),
      votes: t(lang, 'projects.meetingVotes', { members: m.members, present: m.present, for: m.for, against: m.against, abstain: m.abstain }),
      outcome: m.failures.length ? m.failures.map((f) => t(lang, `reasons.${f.code}`, { defaultValue: f.code })).join('；') : t(lang, 'projects.meetingCarried'),
      minutesText: byId.has(m.minutes) ? null : m.minutes,
      minutesDocs: docLinks([m.minutes]),
    })),
    notices: {
      notices: p.notices.map((n) => ({ kind: t(lang, `notices.kinds.${n.kind}`), startedAt: dt(n.startedAt), endsAt: dt(n.endsAt) })),
      objections: p.objections.map((o) => ({
        notice: o.notice ? t(lang, `notices.kinds.${o.notice}`) : '—', text: o.text, contact: 'contact' in o ? (o.contact ?? '—') : masked,
        at: dt(o.at), status: t(lang, `projects.objectionStatus.${o.status}`), response: o.response ?? '—',
      })),
    },
    approvals: file.history.filter((h) => h.type === 'APPROVE' || h.type === 'APPROVE_BUDGET').map((h) => ({
      event: t(lang, `projects.events.${h.type}.name`), by: actor(h.actor), at: dt(h.at),
      approvedFen: typeof h.payload.approvedFen === 'number' ? h.payload.approvedFen : null,
    })),
    quotes: p.procurement
      ? {
        method: t(lang, `projects.methods.${p.procurement.method}`),
        round: p.procurement.round,
        deadline: dt(p.procurement.deadline),
        invitations: p.procurement.invitations.map((v) => nm.vendor(v)).join('、') || '—',
        quotes: p.procurement.quotes.map((q) => ({
          vendor: nm.vendor(q.vendorId), submittedAt: dt(q.submittedAt), sealed: q.sealed,
          amountFen: 'amountFen' in q ? q.amountFen : null, validUntil: 'validUntil' in q ? q.validUntil : null,
        })),
        failures: p.procurement.failures.map((f) => ({ round: f.round, reason: f.reason, at: dt(f.at) })),
        award: p.award ? { vendor: nm.vendor(p.award.vendorId), amountFen: p.award.amountFen, justification: p.award.justification, at: dt(p.award.at) } : null,
      }
      : null,
    contract: p.contract
      ? {
        contractNo: p.contract.contractNo, amountFen: p.contract.amountFen, dueOn: p.contract.dueOn, signedAt: dt(p.contract.signedAt),
        confirmedAt: dt(p.contract.confirmedAt), vendor: nm.vendor(p.vendorId),
        items: p.contract.items.map((i) => ({ name: i.name, quantity: i.quantity, unitFen: i.unitFen, totalFen: i.quantity * i.unitFen })),
      }
      : null,
    // per item, and per household within it (the beneficiary, where this viewer may see who)
    deliveryEvidence: (p.contract?.items ?? []).map((i) => ({
      name: i.name, quantity: i.quantity, confirmedQty: i.confirmedQty, disputedQty: i.disputedQty,
      deliveries: i.deliveries.map((x) => ({
        at: dt(x.at), quantity: x.quantity, serials: x.serials.join('、') || '—',
        beneficiary: x.beneficiaryRef ?? masked,
        evidence: docLinks(x.evidence),
      })),
      disputes: i.disputes.map((x) => ({ at: dt(x.at), quantity: x.quantity, reason: x.reason })),
    })),
    acceptanceReport: p.acceptances.map((a, i) => ({
      n: i + 1, at: dt(a.at), passed: t(lang, a.passed ? 'projects.yes' : 'projects.no'), satisfactionPct: a.satisfactionPct,
      outcome: t(lang, a.accepted ? 'projects.acceptance.accepted' : 'projects.acceptance.rectify'), defects: a.defects ?? '—',
      signatories: a.signatories.map((s) => ({ role: t(lang, `projects.roles.${s.role}`, { defaultValue: s.role }), name: s.name })),
    })),
    payments: p.payments.map((x) => ({
      tranche: t(lang, `projects.tranches.${x.tranche}`), amountFen: x.amountFen, voucherNo: 'voucherNo' in x ? x.voucherNo : '—', at: dt(x.at),
    })),
    fundStatement: {
      estimatedFen: p.estimatedFen, approvedFen: p.approvedFen, awardedFen: p.awardedFen, paidFen: p.paidFen,
      budgetYear: p.budgetYear, state: stateLabel(lang, p.state),
    },
    evaluation: p.evaluation
      ? { score: p.evaluation.score, grade: gradeLabel(lang, p.evaluation.grade), notes: p.evaluation.notes || '—', at: dt(p.evaluation.at) }
      : null,
  };

  const missingByKind = new Map<DocumentKind, Array<{ from: string }>>();
  for (const m of file.missing) missingByKind.set(m.kind, [...(missingByKind.get(m.kind) ?? []), { from: stateLabel(lang, m.from) }]);
  const sections = FILE_SECTIONS.map((s, n) => {
    const docs = file.documents.filter((x) => x.kind === s.kind).map(docView);
    const missing = (missingByKind.get(s.kind) ?? []).map((m) => t(lang, 'projectFile.missing', { kind: kindLabel(s.kind), stage: m.from }));
    return {
      key: s.key, number: n + 1, heading: t(lang, `projectFile.sections.${s.key}`), facts: facts[s.key] ?? null, documents: docs, missing,
      [`is_${s.key}`]: true,
    };
  }).filter((s) => s.key !== 'other' || s.documents.length > 0 || s.missing.length > 0);

  const v = file.verification;
  return {
    title: `${t(lang, 'projectFile.title')} · ${p.ref}`,
    heading: t(lang, 'projectFile.title'),
    archive: opts.mode === 'archive',
    project: {
      id: p.id, ref: p.ref, title: p.title, state: stateLabel(lang, p.state), community: nm.community(p.communityId), street: nm.street(p.streetId),
      rulesVersion: p.rulesVersion,
    },
    generatedAt: dt(opts.generatedAt),
    zipHref: `/projects/${encodeURIComponent(p.id)}/file.zip${lang === 'en' ? '?lang=en' : ''}`,
    backHref: `/projects/${encodeURIComponent(p.id)}${lang === 'en' ? '?lang=en' : ''}`,
    sections,
    missingCount: file.missing.length,
    missingSummary: file.missing.map((m) => kindLabel(m.kind)).join('、'),
    history: file.history.map((h) => ({
      seq: h.seq, at: dt(h.at), event: h.type === '$start' ? t(lang, 'projectFile.start') : t(lang, `projects.events.${h.type}.name`, { defaultValue: h.type }),
      actor: actor(h.actor), from: h.from ? stateLabel(lang, h.from) : '—', to: stateLabel(lang, h.to), hash: h.hash, prevHash: h.prevHash, masked: h.masked,
    })),
    verification: v.ok
      ? { ok: true, text: t(lang, 'projectFile.verifyOk', { events: v.events }) }
      : { ok: false, text: t(lang, 'projectFile.verifyFailed', { problem: v.problem?.problem ?? '', seq: v.problem?.seq ?? '—' }) },
    head: file.historyHead,
  };
}

function gradeLabel(lang: Lang, grade: string): string {
  const i = (GRADES as readonly string[]).indexOf(grade);
  return i >= 0 ? t(lang, `projects.grades.${i}`) : grade;
}

export type ProjectFileView = ReturnType<typeof projectFileView>;
