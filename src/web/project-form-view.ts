// View-models of the project forms: turns a FormSpec (project-forms.ts), the values to show (the
// project's current facts, or what the user typed) and the field errors into flat objects the
// partials print. Also the error summary, with links to the fields that exist on the page.
import { hasKey, t, type Lang } from '../lib/i18n.js';
import { isAppError } from '../errors.js';
import { ITEM_ROWS, fieldsOf, type FieldSpec, type FormSpec, type OptionSource } from './project-forms.js';
import { reasonText } from '../lib/reason-text.js';

export interface Option { value: string; label: string }
/** Option lists by source; `source:field` narrows one field's list (see project-view's eventOptions). */
export type Options = Partial<Record<OptionSource | `${OptionSource}:${string}`, Option[]>>;
export type Values = Record<string, string | string[] | undefined>;

export interface ErrorState {
  summary: Array<{ href?: string; text: string }>;
  /** field path → translated message */
  fields: Record<string, string>;
}

const last = (name: string) => name.split('.').at(-1)!;
const v1 = (values: Values, name: string) => {
  const v = values[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
};

const INPUT_TYPE: Partial<Record<FieldSpec['kind'], string>> = { text: 'text', yuan: 'text', int: 'text', number: 'text', date: 'date', datetime: 'datetime-local' };
const INPUT_MODE: Partial<Record<FieldSpec['kind'], string>> = { yuan: 'decimal', int: 'numeric', number: 'decimal' };

function label(lang: Lang, name: string): string {
  return t(lang, `projects.fields.${last(name)}`);
}
function hint(lang: Lang, kind: string, name: string): string | undefined {
  const key = `projects.hints.${last(name)}`;
  if (hasKey(lang, key)) return t(lang, key);
  const kindKey = `projects.hints.kind_${kind}`;
  return hasKey(lang, kindKey) ? t(lang, kindKey) : undefined;
}

function describedBy(...ids: Array<string | undefined | false>): string | undefined {
  const list = ids.filter(Boolean);
  return list.length ? list.join(' ') : undefined;
}

function fieldView(lang: Lang, prefix: string, spec: FieldSpec, values: Values, errors: Record<string, string>, options: Options) {
  const id = `f-${prefix}${spec.name}`;
  const error = errors[spec.name];
  const h = hint(lang, spec.kind, spec.name);
  const base = {
    id, name: spec.name, label: label(lang, spec.name), hint: h, hintId: h ? `${id}-hint` : undefined, error, errorId: error ? `${id}-error` : undefined,
    describedBy: describedBy(h && `${id}-hint`, error && `${id}-error`), optional: spec.optional ? t(lang, 'form.optional') : undefined,
  };
  const value = v1(values, spec.name);
  switch (spec.kind) {
    case 'textarea':
    case 'lines':
      return { ...base, isTextarea: true, value, rows: spec.kind === 'lines' ? 3 : 4 };
    case 'checkbox':
      return { ...base, isCheckbox: true, checked: ['on', 'true', '1'].includes(value) };
    case 'yesno':
    case 'select': {
      const opts = (options[`${spec.options!}:${spec.name}`] ?? options[spec.options!] ?? []).map((o) => ({ ...o, selected: o.value === value }));
      return { ...base, isSelect: true, options: spec.blank ? [{ value: '', label: t(lang, 'projects.form.choose'), selected: value === '' }, ...opts] : opts };
    }
    case 'checkboxes': {
      const chosen = new Set([values[spec.name]].flat().filter((x): x is string => typeof x === 'string'));
      const opts = (options[`${spec.options!}:${spec.name}`] ?? options[spec.options!] ?? []).map((o, i) => ({ ...o, id: `${id}-${i}`, checked: chosen.has(o.value) }));
      return { ...base, isCheckboxes: true, options: opts, id: `${id}-0`, fieldsetId: id };
    }
    case 'items': {
      const rows = [];
      // Typed rows without the blank ones, in order: the conversion numbers them the same way,
      // so an error on `items.1.unitFen` lands on the second filled row.
      const filled: Array<Record<string, string>> = [];
      for (let n = 0; `${spec.name}.${n}.name` in values; n++) {
        const row = Object.fromEntries(['name', 'quantity', 'unitFen'].map((c) => [c, v1(values, `${spec.name}.${n}.${c}`)]));
        if (row.name || row.quantity || row.unitFen) filled.push(row);
      }
      const count = Math.max(ITEM_ROWS, filled.length + 2);
      for (let i = 0; i < count; i++) {
        const cell = (col: 'name' | 'quantity' | 'unitFen', mode?: string) => {
          const name = `${spec.name}.${i}.${col}`;
          const err = errors[name];
          const cid = `f-${prefix}${name}`;
          return { id: cid, name, label: t(lang, `projects.fields.item_${col}`), value: filled[i]?.[col] ?? '', error: err, errorId: err ? `${cid}-error` : undefined, inputmode: mode, wide: col === 'name' };
        };
        rows.push({ legend: t(lang, 'projects.form.itemRow', { n: i + 1 }), cells: [cell('name'), cell('quantity', 'numeric'), cell('unitFen', 'decimal')] });
      }
      return { ...base, isItems: true, rows, fieldsetId: id };
    }
    case 'signatories': {
      const rows = [];
      for (let i = 0; ; i++) {
        const role = v1(values, `${spec.name}.${i}.role`);
        if (!role) break;
        const name = `${spec.name}.${i}.name`;
        const rid = `f-${prefix}${name}`;
        const err = errors[name];
        rows.push({ roleName: `${spec.name}.${i}.role`, role, id: rid, name, label: t(lang, 'projects.fields.signatoryName', { role: t(lang, `projects.roles.${role}`) }), value: v1(values, name), error: err, errorId: err ? `${rid}-error` : undefined });
      }
      return { ...base, isSignatories: true, rows, fieldsetId: id };
    }
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
  errors: Record<string, string>;
  options: Options;
}

export function formFields(i: FormViewInput) {
  const fields = fieldsOf(i.spec).map((s) => fieldView(i.lang, i.prefix, s, i.values, i.errors, i.options));
  const files = (i.spec.files ?? []).map((f) => {
    const id = `f-${i.prefix}${f.name}`;
    const error = i.errors[f.name] ?? (f.target === 'evidence' ? i.errors.evidence : undefined) ?? (f.target === 'minutes' ? undefined : i.errors[f.target]);
    return {
      id, name: f.name, label: t(i.lang, `projects.fields.${f.name}`), hint: t(i.lang, 'projects.hints.file'), hintId: `${id}-hint`,
      optional: f.optional ? t(i.lang, 'form.optional') : undefined, error, errorId: error ? `${id}-error` : undefined,
      describedBy: describedBy(`${id}-hint`, error && `${id}-error`), accept: 'application/pdf,image/jpeg,image/png,image/webp', multiple: f.name !== 'minutesFile',
    };
  });
  return { fields, files };
}

/** The ids of every input and fieldset of a form, by field path (for the error summary's links). */
export function anchorsOf(form: ReturnType<typeof formFields>): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of form.fields) {
    m.set(f.name, 'fieldsetId' in f && f.fieldsetId ? f.fieldsetId : f.id);
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
function fieldLabel(lang: Lang, path: string): string {
  const m = /(?:^|\.)items\.(\d+)\.(name|quantity|unitFen)$/.exec(path);
  if (m) return `${t(lang, 'projects.form.itemRow', { n: Number(m[1]) + 1 })} ${t(lang, `projects.fields.item_${m[2]}`)}`;
  return t(lang, `projects.fields.${last(path)}`);
}

/**
 * A service error as the form's error state: field messages (translated) and a summary whose
 * entries link to the fields on the page. Undefined for errors that are not the user's to fix.
 */
export function errorState(lang: Lang, err: unknown, anchors: Map<string, string> = new Map(), omit: string[] = []): ErrorState | undefined {
  if (!isAppError(err) || err.status >= 500 || err.status === 401) return undefined;
  const fields = Object.fromEntries(Object.entries(err.fields ?? {}).filter(([k]) => !omit.includes(k)).map(([k, v]) => [k, t(lang, v)]));
  const summary = [
    // GOV.UK: each summary line names its field, so four "required" lines are not alike
    ...Object.entries(fields).map(([path, text]) => ({ href: anchorFor(anchors, path), text: `${fieldLabel(lang, path)}：${text}` })),
    ...err.reasons.map((r) => ({ href: undefined, text: reasonText(lang, r.code, r.params) })),
  ];
  if (summary.length === 0 || err.code === 'VERSION_CONFLICT' || err.code === 'FILE_TOO_LARGE' || err.code === 'UNSUPPORTED_FILE_TYPE') {
    summary.unshift({ href: undefined, text: t(lang, `errors.${err.code}`) });
  }
  return { summary, fields };
}

export { reasonText };
