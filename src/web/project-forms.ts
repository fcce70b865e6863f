// Per-event form specs for the project pages: which fields each lifecycle event's form has, of
// what kind, and how the strings a browser posts become the event payload (元 → fen via parseYuan,
// integers, booleans from checkboxes, arrays from repeated fields and numbered rows). Validation
// proper stays in the service (the workflow's zod schemas); conversion only reports what it could
// not read at all (e.g. "abc" as an amount), with the same i18n keys.
import { parseYuan } from '../../workflows/shared/money.js';

export type FieldKind =
  | 'text' | 'textarea' | 'yuan' | 'int' | 'number' | 'date' | 'datetime' | 'checkbox'
  | 'select' | 'yesno' | 'checkboxes' | 'items' | 'signatories' | 'lines';

/** Dynamic option lists, filled by the view-model from the project and reference data. */
export type OptionSource = 'types' | 'categories' | 'vendors' | 'awardVendors' | 'contractItems' | 'beneficiaries' | 'grades' | 'tranches' | 'yesno';

export interface FieldSpec {
  /** Payload path, dotted (`checklist.positiveList`, `fields.title`); also the form field name. */
  name: string;
  kind: FieldKind;
  options?: OptionSource;
  /** Shown with "(optional)"; required ones are checked by the service, not here. */
  optional?: boolean;
  /** For select: offer an empty first choice. */
  blank?: boolean;
}

/** File inputs: what the stored document ids become in the payload. */
export interface FileSpec {
  name: 'evidence' | 'minutesFile' | 'attachments';
  /** `minutes` fills RECORD_DELIBERATION's minutes when no text was typed. */
  target: 'evidence' | 'minutes' | 'attachments';
  optional?: boolean;
}

export interface FormSpec {
  fields: FieldSpec[];
  files?: FileSpec[];
  /** destructive or final: drawn as a warning button */
  warning?: boolean;
  /** no `comment` field (COMMENT's own `text` is the comment) */
  noComment?: boolean;
}

export const ITEM_ROWS = 5;

const f = (name: string, kind: FieldKind, extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, kind, ...extra });
const reason = [f('reason', 'textarea')];

/** The proposal form (/projects/new): NewProjectSchema's fields. */
export const NEW_PROJECT_FORM: FormSpec = {
  noComment: true,
  fields: [
    f('title', 'text'), f('type', 'select', { options: 'types', blank: true }), f('category', 'select', { options: 'categories', blank: true }),
    f('description', 'textarea'), f('items', 'items'), f('estimatedFen', 'yuan', { optional: true }), f('beneficiaryCount', 'int', { optional: true }),
  ],
};

/** One form per event a person may send (ARCHITECTURE §4); timer events have none. */
export const EVENT_FORMS: Record<string, FormSpec> = {
  EDIT: {
    fields: [
      f('fields.title', 'text'), f('fields.type', 'select', { options: 'types' }), f('fields.category', 'select', { options: 'categories' }),
      f('fields.description', 'textarea'), f('fields.items', 'items'), f('fields.estimatedFen', 'yuan'), f('fields.beneficiaryCount', 'int', { optional: true }),
    ],
  },
  SUBMIT: { fields: [] },
  WITHDRAW: { fields: reason, warning: true },
  // An explicit 是/否 for each question (no box ticked by default); the workflow orders the answers.
  SCREEN_PASS: { fields: ['checklist.positiveList', 'checklist.negativeList', 'checklist.duplicate'].map((n) => f(n, 'yesno', { options: 'yesno', blank: true })) },
  RETURN: { fields: reason },
  REJECT: { fields: reason, warning: true },
  RECORD_DELIBERATION: {
    fields: [f('members', 'int'), f('present', 'int'), f('for', 'int'), f('against', 'int'), f('abstain', 'int'), f('heldOn', 'date'), f('minutes', 'textarea', { optional: true })],
    files: [{ name: 'minutesFile', target: 'minutes', optional: true }],
  },
  OBJECT: { fields: [f('text', 'textarea'), f('contact', 'text', { optional: true })] },
  UPHOLD_OBJECTION: { fields: [f('response', 'textarea')] },
  DISMISS_OBJECTIONS: { fields: [f('response', 'textarea')] },
  APPROVE: { fields: [] },
  APPROVE_BUDGET: { fields: [f('approvedFen', 'yuan')] },
  INVITE: { fields: [f('vendorIds', 'checkboxes', { options: 'vendors' }), f('deadline', 'datetime')] },
  SUBMIT_QUOTE: { fields: [f('amountFen', 'yuan'), f('validUntil', 'date')], files: [{ name: 'attachments', target: 'attachments', optional: true }] },
  WITHDRAW_QUOTE: { fields: [], warning: true },
  AWARD: { fields: [f('vendorId', 'select', { options: 'awardVendors', blank: true }), f('amountFen', 'yuan'), f('justification', 'textarea')] },
  DECLARE_FAILED: { fields: reason, warning: true },
  SIGN_CONTRACT: {
    fields: [f('contractNo', 'text'), f('items', 'items'), f('amountFen', 'yuan'), f('dueOn', 'date')],
    files: [{ name: 'attachments', target: 'attachments', optional: true }],
  },
  CONFIRM_CONTRACT: { fields: [] },
  RECORD_DELIVERY: {
    fields: [
      f('itemId', 'select', { options: 'contractItems' }), f('quantity', 'int'), f('serials', 'lines', { optional: true }),
      f('beneficiaryRef', 'select', { options: 'beneficiaries', blank: true, optional: true }),
    ],
    files: [{ name: 'evidence', target: 'evidence' }],
  },
  CONFIRM_RECEIPT: { fields: [f('itemId', 'select', { options: 'contractItems' })] },
  DISPUTE_DELIVERY: { fields: [f('itemId', 'select', { options: 'contractItems' }), f('reason', 'textarea')], warning: true },
  RECORD_PAYMENT: { fields: [f('tranche', 'select', { options: 'tranches' }), f('amountFen', 'yuan'), f('voucherNo', 'text')] },
  REQUEST_ACCEPTANCE: { fields: [] },
  RECORD_ACCEPTANCE: {
    fields: [f('passed', 'checkbox'), f('satisfactionPct', 'number'), f('signatories', 'signatories'), f('defects', 'textarea', { optional: true })],
    files: [{ name: 'attachments', target: 'attachments', optional: true }],
  },
  RECTIFIED: { fields: [], files: [{ name: 'evidence', target: 'evidence' }] },
  RECORD_EVALUATION: { fields: [f('score', 'number'), f('grade', 'select', { options: 'grades', blank: true }), f('notes', 'textarea', { optional: true })] },
  RELEASE_RETENTION: { fields: [f('amountFen', 'yuan'), f('voucherNo', 'text')] },
  COMMENT: { fields: [f('text', 'textarea')], files: [{ name: 'attachments', target: 'attachments', optional: true }], noComment: true },
  CANCEL: { fields: reason, warning: true },
};

export function formSpec(type: string): FormSpec | undefined {
  return Object.prototype.hasOwnProperty.call(EVENT_FORMS, type) ? EVENT_FORMS[type] : undefined;
}

/** The comment field every event form carries (ARCHITECTURE §4: every event accepts `comment`). */
export const COMMENT_FIELD: FieldSpec = f('comment', 'textarea', { optional: true });

export function fieldsOf(spec: FormSpec): FieldSpec[] {
  return spec.noComment ? spec.fields : [...spec.fields, COMMENT_FIELD];
}

export type FormBody = Record<string, unknown>;

/** A posted value as one trimmed string ('' when absent; the first of repeated values). */
export function str(body: FormBody, name: string): string {
  const v = body[name];
  const one = Array.isArray(v) ? v[0] : v;
  return typeof one === 'string' ? one.trim() : '';
}

export function strs(body: FormBody, name: string): string[] {
  const v = body[name];
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.filter((x): x is string => typeof x === 'string').map((x) => x.trim()).filter(Boolean);
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  if (value === undefined) return;
  const parts = path.split('.');
  let o = target;
  for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
  o[parts.at(-1)!] = value;
}

const INT_RE = /^\d{1,12}$/;
const NUM_RE = /^\d{1,12}(\.\d{1,4})?$/;

/** '2026-03-20T17:00', '2026-03-20 17:00' or '2026-03-20' (17:00), Asia/Shanghai → ISO instant. */
export function shanghaiInstant(text: string): string | null {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}))?$/.exec(text);
  if (!m) return null;
  const iso = `${m[1]}T${m[2] ?? '17:00'}:00+08:00`;
  return Number.isNaN(Date.parse(iso)) ? null : new Date(iso).toISOString();
}

interface Converted {
  value: unknown;
  errors: Record<string, string>;
}

function convertItems(body: FormBody, base: string): Converted {
  const errors: Record<string, string> = {};
  const rows: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 200; i++) {
    const name = str(body, `${base}.${i}.name`);
    const qty = str(body, `${base}.${i}.quantity`);
    const unit = str(body, `${base}.${i}.unitFen`);
    if (!(`${base}.${i}.name` in body)) break;
    if (!name && !qty && !unit) continue;
    // Rows are renumbered without the blank ones; the view re-renders them in the same order.
    const j = rows.length;
    const row: Record<string, unknown> = {};
    if (name) row.name = name;
    if (qty) {
      if (INT_RE.test(qty)) row.quantity = Number(qty);
      else errors[`${base}.${j}.quantity`] = 'validation.integer';
    }
    if (unit) {
      const fen = parseYuan(unit);
      if (fen === null) errors[`${base}.${j}.unitFen`] = 'validation.yuan';
      else row.unitFen = fen;
    }
    rows.push(row);
  }
  return { value: rows.length ? rows : undefined, errors };
}

function convertSignatories(body: FormBody, base: string): Converted {
  const out: Array<{ role: string; name: string }> = [];
  for (let i = 0; i < 20; i++) {
    if (!(`${base}.${i}.role` in body)) break;
    const role = str(body, `${base}.${i}.role`);
    const name = str(body, `${base}.${i}.name`);
    if (role && name) out.push({ role, name });
  }
  return { value: out, errors: {} };
}

function convertField(body: FormBody, field: FieldSpec): Converted {
  const raw = str(body, field.name);
  const none = { value: undefined, errors: {} };
  const bad = (key: string) => ({ value: undefined, errors: { [field.name]: key } });
  switch (field.kind) {
    case 'text':
    case 'textarea':
    case 'date':
    case 'select':
      return raw ? { value: raw, errors: {} } : none;
    case 'yuan': {
      if (!raw) return none;
      const fen = parseYuan(raw);
      return fen === null ? bad('validation.yuan') : { value: fen, errors: {} };
    }
    case 'int':
      if (!raw) return none;
      return INT_RE.test(raw) ? { value: Number(raw), errors: {} } : bad('validation.integer');
    case 'number':
      if (!raw) return none;
      return NUM_RE.test(raw) ? { value: Number(raw), errors: {} } : bad('validation.number');
    case 'datetime': {
      if (!raw) return none;
      const iso = shanghaiInstant(raw);
      return iso ? { value: iso, errors: {} } : bad('validation.datetime');
    }
    case 'checkbox':
      return { value: ['on', 'true', '1', 'yes'].includes(raw), errors: {} };
    case 'yesno':
      return raw === 'yes' ? { value: true, errors: {} } : raw === 'no' ? { value: false, errors: {} } : raw ? bad('validation.enum') : none;
    case 'checkboxes': {
      const list = strs(body, field.name);
      return { value: list.length ? list : undefined, errors: {} };
    }
    case 'lines': {
      const list = raw.split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
      return { value: list.length ? list : undefined, errors: {} };
    }
    case 'items':
      return convertItems(body, field.name);
    case 'signatories':
      return convertSignatories(body, field.name);
  }
}

export interface ConvertResult {
  payload: Record<string, unknown>;
  /** field path → i18n key, for values that could not be read at all */
  errors: Record<string, string>;
}

/** Form strings (and the ids of the files stored for it) → the payload for the service. */
export function toPayload(spec: FormSpec, body: FormBody, files: Partial<Record<FileSpec['name'], string[]>> = {}): ConvertResult {
  const payload: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fieldsOf(spec)) {
    const c = convertField(body, field);
    Object.assign(errors, c.errors);
    setPath(payload, field.name, c.value);
  }
  const attachments: string[] = [];
  for (const file of spec.files ?? []) {
    const ids = files[file.name] ?? [];
    if (ids.length === 0) continue;
    if (file.target === 'evidence') payload.evidence = ids;
    else if (file.target === 'minutes' && payload.minutes === undefined) {
      payload.minutes = ids[0];
      attachments.push(...ids.slice(1));
    } else attachments.push(...ids);
  }
  if (attachments.length) payload.attachments = attachments;
  return { payload, errors };
}

/** The proposal form → the input of services.projects.create; a blank total is the items' sum. */
export function toNewProject(body: FormBody): ConvertResult {
  const { payload, errors } = toPayload(NEW_PROJECT_FORM, body);
  const items = payload.items as Array<{ quantity?: number; unitFen?: number }> | undefined;
  if (payload.estimatedFen === undefined && !errors.estimatedFen && items?.length && items.every((i) => typeof i.quantity === 'number' && typeof i.unitFen === 'number')) {
    payload.estimatedFen = items.reduce((s, i) => s + i.quantity! * i.unitFen!, 0);
  }
  return { payload, errors };
}
