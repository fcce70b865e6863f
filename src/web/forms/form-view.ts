// View-models of every form (forms/form-model.ts specs): turns a FormSpec, the values to show (the
// current facts, or what the user typed) and the field errors into flat objects the one partial
// templates/partials/field.hbs prints; and a service error into the error state the one
// templates/partials/error-summary.hbs prints, its lines linking to the fields on the page.
// Accessibility lives here once: labels bound by id, hints and errors in aria-describedby,
// aria-invalid, the summary's links (GOV.UK error summary pattern).
import { hasKey, t, type Lang } from '../../lib/i18n.js';
import { isAppError } from '../../errors.js';
import { reasonText } from '../../lib/reason-text.js';
import { ITEM_COLUMNS, ITEM_ROWS, fieldsOf, pendingEntries, type FieldSpec, type FormSpec } from './form-model.js';

/** `disabled`: shown but not offered (the engine would refuse it), `note` saying why or what to know. */
export interface Option { value: string; label: string; lang?: string; disabled?: boolean; note?: string }
/** Option lists by source; `source:field` narrows one field's list (see project-view's eventOptions). */
export type Options = Partial<Record<string, Option[]>>;
export type Values = Record<string, string | string[] | undefined>;
type Params = Record<string, unknown>;

export interface ErrorState {
  summary: Array<{ href?: string; text: string }>;
  /** field path → translated message */
  fields: Record<string, string>;
}

/** Words every form shares; they are kept under projects.* and form.* in the locales. */
const WORDS = { choose: 'projects.form.choose', itemRow: 'projects.form.itemRow', roles: 'projects.roles', optional: 'form.optional', pendingFiles: 'form.pendingFiles', takePhoto: 'form.takePhoto', chooseFiles: 'form.chooseFiles' };

const last = (name: string) => name.split('.').at(-1)!;
const v1 = (values: Values, name: string) => {
  const v = values[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
};

const INPUT_TYPE: Partial<Record<FieldSpec['kind'], string>> = {
  text: 'text', email: 'email', password: 'password', tel: 'tel', search: 'search', yuan: 'text', int: 'text', number: 'text', date: 'date', datetime: 'datetime-local',
};
const INPUT_MODE: Partial<Record<FieldSpec['kind'], string>> = { yuan: 'decimal', int: 'numeric', number: 'decimal' };

/** A message key as text; anything that is not one of our keys (a library's English default) reads "invalid". */
export const message = (lang: Lang, key: string): string => (hasKey(lang, key) ? t(lang, key) : t(lang, 'validation.invalid'));

export function labelOf(lang: Lang, form: FormSpec, spec: FieldSpec, params: Params = {}): string {
  return spec.labelText ?? t(lang, spec.label ?? `${form.labels}.${last(spec.name)}`, params);
}

function hintOf(lang: Lang, form: FormSpec, spec: FieldSpec, params: Params): string | undefined {
  if (spec.hint) return t(lang, spec.hint, params);
  if (!form.hints) return undefined;
  const key = [`${form.hints}.${last(spec.name)}`, `${form.hints}.kind_${spec.kind}`].find((k) => hasKey(lang, k));
  return key ? t(lang, key, params) : undefined;
}

function describedBy(...ids: Array<string | undefined | false>): string | undefined {
  const list = ids.filter(Boolean);
  return list.length ? list.join(' ') : undefined;
}

interface FieldCtx {
  lang: Lang;
  form: FormSpec;
  prefix: string;
  values: Values;
  errors: Record<string, string>;
  options: Options;
  params: Params;
}

function optionList(c: FieldCtx, spec: FieldSpec): Option[] {
  return (c.options[`${spec.options!}:${spec.name}`] ?? c.options[spec.options!] ?? []);
}

function itemsRows(c: FieldCtx, spec: FieldSpec) {
  const rows = [];
  // Typed rows without the blank ones, in order: the conversion numbers them the same way,
  // so an error on `items.1.unitFen` lands on the second filled row.
  const filled: Array<Record<string, string>> = [];
  for (let n = 0; `${spec.name}.${n}.name` in c.values; n++) {
    const row = Object.fromEntries(ITEM_COLUMNS.map((col) => [col, v1(c.values, `${spec.name}.${n}.${col}`)]));
    if (row.name || row.quantity || row.unitFen) filled.push(row);
  }
  const count = Math.max(ITEM_ROWS, filled.length + 2);
  const modes: Record<(typeof ITEM_COLUMNS)[number], string | undefined> = { name: undefined, quantity: 'numeric', unitFen: 'decimal' };
  for (let i = 0; i < count; i++) {
    const cells = ITEM_COLUMNS.map((col) => {
      const name = `${spec.name}.${i}.${col}`;
      const err = c.errors[name];
      const cid = `f-${c.prefix}${name}`;
      return { id: cid, name, label: t(c.lang, `${c.form.labels}.item_${col}`), value: filled[i]?.[col] ?? '', error: err, errorId: err ? `${cid}-error` : undefined, inputmode: modes[col], wide: col === 'name' };
    });
    rows.push({ legend: t(c.lang, WORDS.itemRow, { n: i + 1 }), cells });
  }
  return rows;
}

function signatoryRows(c: FieldCtx, spec: FieldSpec) {
  const rows = [];
  for (let i = 0; ; i++) {
    const role = v1(c.values, `${spec.name}.${i}.role`);
    if (!role) break;
    const name = `${spec.name}.${i}.name`;
    const rid = `f-${c.prefix}${name}`;
    const err = c.errors[name];
    const label = t(c.lang, `${c.form.labels}.signatoryName`, { role: t(c.lang, `${WORDS.roles}.${role}`) });
    rows.push({ roleName: `${spec.name}.${i}.role`, role, id: rid, name, label, value: v1(c.values, name), error: err, errorId: err ? `${rid}-error` : undefined });
  }
  return rows;
}

function fieldView(c: FieldCtx, spec: FieldSpec) {
  const id = `f-${c.prefix}${spec.name}`;
  const error = c.errors[spec.name];
  const h = hintOf(c.lang, c.form, spec, c.params);
  const base = {
    id, name: spec.name, label: labelOf(c.lang, c.form, spec, c.params), hint: h, hintId: h ? `${id}-hint` : undefined, error, errorId: error ? `${id}-error` : undefined,
    describedBy: describedBy(h && `${id}-hint`, error && `${id}-error`), optional: spec.optional ? t(c.lang, WORDS.optional) : undefined,
    autocomplete: spec.autocomplete, required: spec.required,
  };
  const value = v1(c.values, spec.name);
  switch (spec.kind) {
    case 'textarea':
    case 'lines':
      return { ...base, isTextarea: true, value, rows: spec.rows ?? (spec.kind === 'lines' ? 3 : 4) };
    case 'checkbox':
      return { ...base, isCheckbox: true, checked: ['on', 'true', '1'].includes(value) };
    case 'yesno':
    case 'select': {
      const opts = optionList(c, spec).map((o) => ({ ...o, selected: o.value === value }));
      return { ...base, isSelect: true, options: spec.blank ? [{ value: '', label: t(c.lang, WORDS.choose), selected: value === '' }, ...opts] : opts };
    }
    case 'radios':
    case 'checkboxes': {
      const chosen = new Set([c.values[spec.name]].flat().filter((x): x is string => typeof x === 'string'));
      // the first choice carries the field's id, so the error summary's link lands on it
      const opts = optionList(c, spec).map((o, i) => ({ ...o, id: i === 0 ? id : `${id}-${o.value}`, checked: chosen.has(o.value) }));
      return { ...base, isChoices: true, choiceType: spec.kind === 'radios' ? 'radio' : 'checkbox', options: opts };
    }
    case 'items':
      return { ...base, isItems: true, rows: itemsRows(c, spec) };
    case 'signatories':
      return { ...base, isSignatories: true, rows: signatoryRows(c, spec) };
    default:
      return { ...base, isInput: true, inputType: INPUT_TYPE[spec.kind] ?? 'text', inputmode: INPUT_MODE[spec.kind], value };
  }
}

export type FieldView = ReturnType<typeof fieldView>;

export interface FormViewInput {
  lang: Lang;
  spec: FormSpec;
  /** prefix of ids, so that several forms on one page never share an id ('' on a one-form page) */
  prefix: string;
  values: Values;
  /** field path → translated message */
  errors: Record<string, string>;
  options: Options;
  /** interpolated into every label and hint (`{{year}}`, `{{max}}`) */
  params?: Params;
}

/** The fields (and file inputs) of a form, ready for templates/partials/field.hbs. */
export function formFields(i: FormViewInput) {
  const c: FieldCtx = { lang: i.lang, form: i.spec, prefix: i.prefix, values: i.values, errors: i.errors, options: i.options, params: i.params ?? {} };
  const fields = fieldsOf(i.spec).map((s) => fieldView(c, s));
  const files = (i.spec.files ?? []).map((f) => {
    const id = `f-${i.prefix}${f.name}`;
    const error = i.errors[f.name] ?? (f.target === 'evidence' ? i.errors.evidence : undefined) ?? (f.target === 'minutes' ? undefined : i.errors[f.target]);
    const hint = i.spec.hints ? t(i.lang, `${i.spec.hints}.file`) : undefined;
    // a refused form's uploads of this field, by name: kept, so they need not be chosen again
    const pending = pendingEntries(i.values[f.name]);
    const pendingId = pending.length ? `${id}-pending` : undefined;
    return {
      id, name: f.name, isFile: true, label: t(i.lang, `${i.spec.labels}.${f.name}`), hint, hintId: hint ? `${id}-hint` : undefined,
      optional: f.optional ? t(i.lang, WORDS.optional) : undefined, error, errorId: error ? `${id}-error` : undefined,
      pending, pendingId, pendingLabel: pending.length ? t(i.lang, WORDS.pendingFiles) : undefined,
      describedBy: describedBy(hint && `${id}-hint`, pendingId, error && `${id}-error`), accept: 'application/pdf,image/jpeg,image/png,image/webp', multiple: f.name !== 'minutesFile',
      // evidence and attachments: the camera directly, or the gallery and files (`capture` alone would
      // hide the gallery on Android), two inputs under one name; the minutes stay one document
      camera: f.name === 'minutesFile' ? undefined : {
        id: `${id}-camera`, label: t(i.lang, WORDS.takePhoto), galleryLabel: t(i.lang, WORDS.chooseFiles),
        galleryAccept: 'image/jpeg,image/png,image/webp,application/pdf',
      },
    };
  });
  return { fields, files };
}

/** The ids of every input and fieldset of a form, by field path (for the error summary's links). */
export function anchorsOf(form: ReturnType<typeof formFields>): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of form.fields) {
    m.set(f.name, f.id);
    if ('rows' in f && Array.isArray(f.rows)) for (const r of f.rows) {
      if ('cells' in r) for (const c of r.cells) m.set(c.name, c.id);
      else if ('name' in r) m.set(r.name, r.id);
    }
  }
  for (const f of form.files) {
    m.set(f.name, f.id);
    if (f.name === 'evidence') m.set('evidence', f.id);
    if (f.name === 'attachments') m.set('attachments', f.id);
  }
  return m;
}

function anchorFor(anchors: Map<string, string>, path: string): string | undefined {
  const parts = path.split('.');
  for (let n = parts.length; n > 0; n--) {
    const id = anchors.get(parts.slice(0, n).join('.'));
    if (id) return `#${id}`;
  }
  return undefined;
}

/** `items.0.unitFen` → 明细第 1 行 单价（元）; `fields.title` → 项目名称. */
function pathLabel(lang: Lang, form: FormSpec, path: string, params: Params): string {
  const items = form.fields.find((f) => f.kind === 'items' && path.startsWith(`${f.name}.`));
  const m = items && /^(\d+)\.(\w+)$/.exec(path.slice(items.name.length + 1));
  if (m) return `${t(lang, WORDS.itemRow, { n: Number(m[1]) + 1 })} ${t(lang, `${form.labels}.item_${m[2]}`)}`;
  return labelOf(lang, form, form.fields.find((f) => f.name === path) ?? { name: path, kind: 'text' }, params);
}

/** Errors a person can fix on the form (the others go to the error page). */
export const isFormError = (err: unknown): boolean => isAppError(err) && err.status < 500 && err.status !== 401;

export interface ErrorStateOptions {
  /** the form, to name fields in the summary (when it says so) */
  form?: FormSpec;
  /** field path → element id, from anchorsOf: summary lines link to fields that are on the page */
  anchors?: Map<string, string>;
  /** field paths to leave out */
  omit?: string[];
  /** a service's field name → the form's (`allocatedFen` → `allocated`) */
  rename?: Record<string, string>;
  params?: Params;
}

/**
 * A service error as the form's error state: field messages (translated) and a summary whose
 * entries link to the fields on the page. Undefined for errors that are not the user's to fix.
 */
export function errorState(lang: Lang, err: unknown, o: ErrorStateOptions = {}): ErrorState | undefined {
  if (!isFormError(err) || !isAppError(err)) return undefined;
  const anchors = o.anchors ?? new Map<string, string>();
  const fields = Object.fromEntries(Object.entries(err.fields ?? {})
    .map(([k, v]) => [o.rename?.[k] ?? k, v] as const)
    .filter(([k]) => !(o.omit ?? []).includes(k))
    .map(([k, v]) => [k, message(lang, v)]));
  const named = (path: string, text: string) => (o.form?.summaryNamesFields ? `${pathLabel(lang, o.form, path, o.params ?? {})}${lang === 'en' ? ': ' : '：'}${text}` : text);
  const summary = [
    // GOV.UK: each summary line names its field, so four "required" lines are not alike
    ...Object.entries(fields).map(([path, text]) => ({ href: anchorFor(anchors, path), text: named(path, text) })),
    ...err.reasons.map((r) => ({ href: undefined, text: reasonText(lang, r.code, r.params) })),
  ];
  if (summary.length === 0 || err.code === 'VERSION_CONFLICT' || err.code === 'FILE_TOO_LARGE' || err.code === 'UNSUPPORTED_FILE_TYPE') {
    summary.unshift({ href: undefined, text: t(lang, `errors.${err.code}`) });
  }
  return { summary, fields };
}

export interface FormInput {
  lang: Lang;
  form: FormSpec;
  values?: Values;
  options?: Options;
  params?: Params;
  /** the service error the form comes back with, if any */
  err?: unknown;
  rename?: Record<string, string>;
  prefix?: string;
}

/** A whole one-form page's form: its fields with their messages and the error summary linking to them. */
export function formView(i: FormInput) {
  const o: ErrorStateOptions = { form: i.form, rename: i.rename, params: i.params };
  const first = i.err === undefined ? undefined : errorState(i.lang, i.err, o);
  const built = formFields({ lang: i.lang, spec: i.form, prefix: i.prefix ?? '', values: i.values ?? {}, errors: first?.fields ?? {}, options: i.options ?? {}, params: i.params });
  return { ...built, errors: first && errorState(i.lang, i.err, { ...o, anchors: anchorsOf(built) }) };
}

export { reasonText };
