// A reason code as a sentence, its parameters as people read them: amounts in 元, states, roles,
// methods and tranches by name, instants in Asia/Shanghai. Used by the pages and the JSON API alike.
import { hasKey, reasonMessage, t, type Lang } from './i18n.js';
import { formatYuan } from '../../workflows/shared/money.js';
import { formatShanghai } from './calendar.js';

/** The one label of a workflow state (`states.<stage>` in common.json), on every page, e-mail and API message. */
export function stateLabel(lang: Lang, state: string): string {
  // nested states ('procurement.quoting') are flat keys: i18next reads dots as nesting
  return t(lang, `states.${state.replace('.', '_')}`);
}

/** A name given as data in both languages (`{zh, en}`: a list entry of a rules version), or null. */
function listName(lang: Lang, v: unknown): string | null {
  if (typeof v !== 'object' || v === null) return null;
  const n = v as { zh?: unknown; en?: unknown };
  const name = lang === 'en' ? n.en : n.zh;
  return typeof name === 'string' ? name : null;
}

/** One of the values a reason allows: a tranche or a role by name, a year as it is. */
function allowedName(lang: Lang, x: unknown): string {
  const v = String(x);
  if (hasKey(lang, `projects.tranches.${v}`)) return t(lang, `projects.tranches.${v}`);
  if (hasKey(lang, `projects.roles.${v}`)) return t(lang, `projects.roles.${v}`);
  return v;
}

/** Reason params as people read them: amounts in 元, states and roles by name, dates in Shanghai. */
export function reasonText(lang: Lang, code: string, params: Record<string, unknown> = {}): string {
  const p: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    if ((k.endsWith('Fen') || k === 'fen') && typeof v === 'number') p[k] = formatYuan(v, { lang });
    else if (k === 'state' && typeof v === 'string') p[k] = stateLabel(lang, v);
    else if (k === 'type' && typeof v === 'string') p[k] = hasKey(lang, `projects.types.${v}`) ? t(lang, `projects.types.${v}`) : t(lang, `projects.events.${v}.name`);
    else if (k === 'method' && typeof v === 'string') p[k] = t(lang, `projects.methods.${v}`);
    else if (k === 'role' && typeof v === 'string') p[k] = t(lang, `projects.roles.${v}`);
    // a checklist item: a list entry of the rules version brings its own names; else a field's label
    else if (k === 'item' && typeof v === 'string') p[k] = listName(lang, params.name) ?? (hasKey(lang, `projects.fields.${v}`) ? t(lang, `projects.fields.${v}`) : v);
    else if (k === 'name' && listName(lang, v) !== null) p[k] = listName(lang, v);
    else if (k === 'expected' && typeof v === 'boolean') p[k] = t(lang, v ? 'projects.yes' : 'projects.no');
    else if ((k === 'tranche') && typeof v === 'string') p[k] = t(lang, `projects.tranches.${v}`);
    else if (k === 'allowed' && Array.isArray(v)) p[k] = v.map((x) => allowedName(lang, x)).join(lang === 'en' ? ', ' : '、');
    else if (Array.isArray(v)) p[k] = v.join('、');
    else if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) p[k] = formatShanghai(v, 'datetime');
    else p[k] = v;
  }
  return reasonMessage(lang, code, p);
}

