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

/** Reason params as people read them: amounts in 元, states and roles by name, dates in Shanghai. */
export function reasonText(lang: Lang, code: string, params: Record<string, unknown> = {}): string {
  const p: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    if ((k.endsWith('Fen') || k === 'fen') && typeof v === 'number') p[k] = formatYuan(v, { lang });
    else if (k === 'state' && typeof v === 'string') p[k] = stateLabel(lang, v);
    else if (k === 'type' && typeof v === 'string') p[k] = hasKey(lang, `projects.types.${v}`) ? t(lang, `projects.types.${v}`) : t(lang, `projects.events.${v}.name`);
    else if (k === 'method' && typeof v === 'string') p[k] = t(lang, `projects.methods.${v}`);
    else if (k === 'role' && typeof v === 'string') p[k] = t(lang, `projects.roles.${v}`);
    else if (k === 'item' && typeof v === 'string') p[k] = t(lang, `projects.fields.${v}`);
    else if (k === 'expected' && typeof v === 'boolean') p[k] = t(lang, v ? 'projects.yes' : 'projects.no');
    else if ((k === 'tranche') && typeof v === 'string') p[k] = t(lang, `projects.tranches.${v}`);
    else if (k === 'allowed' && Array.isArray(v)) p[k] = v.map((x) => t(lang, `projects.tranches.${String(x)}`)).join('、');
    else if (Array.isArray(v)) p[k] = v.join('、');
    else if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) p[k] = formatShanghai(v, 'datetime');
    else p[k] = v;
  }
  return reasonMessage(lang, code, p);
}

