// The one form model of the web pages: a FormSpec says which fields a form has, of what kind, under
// which i18n keys its labels and hints are found, and how the strings a browser posts become the
// input of a service (元 → fen via parseYuan, integers, booleans from checkboxes, arrays from
// repeated fields and numbered rows). The project forms (project-forms.ts), the administration,
// log-in, profile and public forms are all specs of this model, drawn by forms/form-view.ts and the
// one partial templates/partials/field.hbs. Validation proper stays in the services; conversion only
// reports what it could not read at all (e.g. "abc" as an amount), with the services' i18n keys.
import { parseYuan } from '../../../workflows/shared/money.js';

export type FieldKind =
  | 'text' | 'email' | 'password' | 'tel' | 'search' | 'textarea' | 'yuan' | 'int' | 'number' | 'date' | 'datetime'
  | 'checkbox' | 'select' | 'yesno' | 'yesnomap' | 'radios' | 'checkboxes' | 'items' | 'signatories' | 'lines';

export interface FieldSpec {
  /** Input path, dotted (`checklist.positiveArea`, `fields.title`); also the form field name. */
  name: string;
  kind: FieldKind;
  /** Which option list fills a select, radios or checkboxes (the view's `options[source]`). */
  options?: string;
  /** Shown with "(optional)"; required ones are checked by the service, not here. */
  optional?: boolean;
  /** For select: offer an empty first choice. */
  blank?: boolean;
  /** The label's i18n key when it is not `<form.labels>.<last part of name>`. */
  label?: string;
  /** A label that is data, not an i18n key (a negative-list item of the rules version), already in the page's language. */
  labelText?: string;
  /** A hint's i18n key (else `<form.hints>.<last part>`, then `<form.hints>.kind_<kind>`). */
  hint?: string;
  /** HTML autocomplete token (`username`, `new-password`, `off` …). */
  autocomplete?: string;
  /** The browser's own "required" check (the log-in form only; the others say it after posting). */
  required?: boolean;
  /** Textarea height. */
  rows?: number;
}

/** File inputs: what the stored document ids become in the payload. */
export interface FileSpec {
  name: 'evidence' | 'minutesFile' | 'attachments';
  /** `minutes` fills RECORD_DELIBERATION's minutes when no text was typed. */
  target: 'evidence' | 'minutes' | 'attachments';
  optional?: boolean;
}

/**
 * A refused form's uploads, carried back so that they need not be sent again: hidden inputs named
 * PENDING_DOCUMENTS with the value "field:id", and the file field's value in the view's Values as
 * "id:filename" entries (pendingEntry), which the file input shows as a list of names.
 */
export const PENDING_DOCUMENTS = 'pendingDocuments';
const DOCUMENT_ID = /^[0-9a-f]{64}$/;

/** The hidden inputs' uploads, by the form's file fields (other fields and malformed values are dropped). */
export function pendingOf(spec: FormSpec, body: FormBody): Partial<Record<FileSpec['name'], string[]>> {
  const out: Partial<Record<FileSpec['name'], string[]>> = {};
  const raw = body[PENDING_DOCUMENTS];
  const names = new Set<string>((spec.files ?? []).map((f) => f.name));
  for (const v of (Array.isArray(raw) ? raw : [raw]).slice(0, 50)) {
    if (typeof v !== 'string') continue;
    const at = v.indexOf(':');
    const field = v.slice(0, at) as FileSpec['name'];
    const id = v.slice(at + 1);
    if (at < 0 || !names.has(field) || !DOCUMENT_ID.test(id)) continue;
    const list = (out[field] ??= []);
    if (!list.includes(id)) list.push(id);
  }
  return out;
}

/** One pending upload as a file field's value entry. */
export const pendingEntry = (doc: { id: string; filename: string }): string => `${doc.id}:${doc.filename}`;

/** A file field's value entries → its pending uploads. */
export function pendingEntries(value: string | string[] | undefined): Array<{ id: string; filename: string }> {
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).flatMap((v) => {
    const id = v.slice(0, 64);
    return v[64] === ':' && DOCUMENT_ID.test(id) ? [{ id, filename: v.slice(65) }] : [];
  });
}

export interface FormSpec {
  /** i18n namespace of the labels (`projects.fields`, `admin.users` …): a field's label is `<labels>.<last part of its name>`. */
  labels: string;
  /** i18n namespace of the hints looked up by name and kind (`projects.hints`); absent: only fields' own `hint`. */
  hints?: string;
  fields: FieldSpec[];
  files?: FileSpec[];
  /** destructive or final: drawn as a warning button */
  warning?: boolean;
  /** Error summary lines name their field ("项目名称：此项必填", GOV.UK); otherwise the message alone. */
  summaryNamesFields?: boolean;
}

/** Empty rows an items table offers beyond the filled ones (at least this many in all). */
export const ITEM_ROWS = 5;
/** The columns of an items row, in order. */
export const ITEM_COLUMNS = ['name', 'quantity', 'unitFen'] as const;

/** A field spec, briefly: `field('amountFen', 'yuan', { optional: true })`. */
export const field = (name: string, kind: FieldKind, extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, kind, ...extra });

export function fieldsOf(spec: FormSpec): FieldSpec[] {
  return spec.fields;
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

export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
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

const MAP_KEY = /^[\p{L}\p{N}_-]{1,50}$/u;

/**
 * A yes/no answer per key whose set is data (the negative items of a rules version): every posted
 * `<base>.<key>` becomes `{ key: boolean }`. The view draws one yes/no field per key (project-view).
 */
function convertYesNoMap(body: FormBody, base: string): Converted {
  const value: Record<string, boolean> = {};
  const errors: Record<string, string> = {};
  for (const name of Object.keys(body).filter((k) => k.startsWith(`${base}.`)).slice(0, 50)) {
    const key = name.slice(base.length + 1);
    const raw = str(body, name);
    if (!MAP_KEY.test(key)) continue;
    // a question drawn and left unanswered is the field's to fix (like a blank yes/no), not a "yes"
    if (!raw) errors[name] = 'validation.required';
    else if (raw === 'yes' || raw === 'no') value[key] = raw === 'yes';
    else errors[name] = 'validation.enum';
  }
  return { value: Object.keys(value).length ? value : undefined, errors };
}

function convertField(body: FormBody, field: FieldSpec): Converted {
  const raw = str(body, field.name);
  const none = { value: undefined, errors: {} };
  const bad = (key: string) => ({ value: undefined, errors: { [field.name]: key } });
  switch (field.kind) {
    case 'text':
    case 'email':
    case 'tel':
    case 'search':
    case 'textarea':
    case 'date':
    case 'select':
    case 'radios':
      return raw ? { value: raw, errors: {} } : none;
    case 'password': {
      // as typed: spaces may belong to a password
      const v = body[field.name];
      const one = Array.isArray(v) ? v[0] : v;
      return typeof one === 'string' && one !== '' ? { value: one, errors: {} } : none;
    }
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
    case 'yesnomap':
      return convertYesNoMap(body, field.name);
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
