// Display names in the page's language: stages, types, places, categories, vendors. Formatting only.
import { t, type Lang } from '../lib/i18n.js';
import { stateLabel } from '../lib/reason-text.js';
import { derivedOnce } from '../lib/read-cache.js';

// One label per state and language (`states.<stage>`, common.json): the inbox, the project pages,
// the public pages, the statechart and the e-mails all name a state through this one function.
export { stateLabel };
export const typeLabel = (lang: Lang, type: string): string => t(lang, `typeNames.${type}`, { defaultValue: type });
export const placeName = (lang: Lang, p: { nameZh: string; nameEn: string } | undefined): string => (p ? (lang === 'en' ? p.nameEn : p.nameZh) : '—');

export interface Lookups {
  streets: Array<{ id: string; nameZh: string; nameEn: string }>;
  communities: Array<{ id: string; nameZh: string; nameEn: string; streetId: string }>;
  categories: Array<{ code: string; nameZh: string; nameEn: string }>;
  /** beneficiary groups (受益群体) */
  groups?: Array<{ code: string; nameZh: string; nameEn: string }>;
  vendors: Array<{ id: string; name: string }>;
}

/**
 * Name finders over the reference lists, in one language. A kept public answer's lists (src/lib/
 * read-cache.ts) are indexed once per language, not for every table of every page: a city has 700
 * communities and 200 vendors.
 */
export const namer = (lang: Lang, ref: Lookups): ReturnType<typeof buildNamer> => namerOf(ref, lang);
const namerOf = derivedOnce((ref: Lookups, lang: Lang) => buildNamer(lang, ref));

function buildNamer(lang: Lang, ref: Lookups) {
  const by = <T extends { id: string }>(list: T[]) => new Map(list.map((x) => [x.id, x]));
  const streets = by(ref.streets);
  const communities = by(ref.communities);
  const vendors = by(ref.vendors);
  const categories = new Map(ref.categories.map((c) => [c.code, c]));
  const groups = new Map((ref.groups ?? []).map((g) => [g.code, g]));
  return {
    street: (id: string | null) => (id ? placeName(lang, streets.get(id)) : '—'),
    community: (id: string | null) => (id ? placeName(lang, communities.get(id)) : '—'),
    vendor: (id: string | null) => (id ? (vendors.get(id)?.name ?? '—') : '—'),
    category: (code: string) => (categories.has(code) ? placeName(lang, categories.get(code)) : code),
    group: (code: string | null) => (code ? (groups.has(code) ? placeName(lang, groups.get(code)) : code) : '—'),
    stage: (s: string) => stateLabel(lang, s),
    type: (s: string) => typeLabel(lang, s),
  };
}

/** <select> options with the chosen one marked. */
export function options(list: Array<{ value: string; label: string }>, selected: unknown, blank?: string) {
  const sel = selected === undefined || selected === null ? '' : String(selected);
  return [...(blank !== undefined ? [{ value: '', label: blank }] : []), ...list].map((o) => ({ ...o, selected: o.value === sel }));
}
