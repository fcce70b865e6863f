// Display names for export cells, in the reader's language: places, categories, groups, stages,
// types, roles. The same words the pages use (locale keys), without the web layer.
import { t, type Lang } from '../lib/i18n.js';
import { stateLabel } from '../lib/reason-text.js';

interface Named { nameZh: string; nameEn: string }
export interface ExportLookups {
  streets: Array<Named & { id: string }>;
  communities: Array<Named & { id: string }>;
  categories: Array<Named & { code: string }>;
  groups: Array<Named & { code: string }>;
  vendors?: Array<{ id: string; name: string }>;
}

export function exportNames(lang: Lang, ref: ExportLookups) {
  const name = (x: Named | undefined, fallback: string) => (x ? (lang === 'en' ? x.nameEn : x.nameZh) : fallback);
  const streets = new Map(ref.streets.map((x) => [x.id, x]));
  const communities = new Map(ref.communities.map((x) => [x.id, x]));
  const categories = new Map(ref.categories.map((x) => [x.code, x]));
  const groups = new Map(ref.groups.map((x) => [x.code, x]));
  const vendors = new Map((ref.vendors ?? []).map((x) => [x.id, x.name]));
  return {
    street: (id: string | null) => (id ? name(streets.get(id), id) : ''),
    community: (id: string | null) => (id ? name(communities.get(id), id) : ''),
    category: (code: string | null) => (code ? name(categories.get(code), code) : ''),
    group: (code: string | null) => (code ? name(groups.get(code), code) : ''),
    vendor: (id: string | null) => (id ? (vendors.get(id) ?? '') : ''),
    stage: (s: string) => stateLabel(lang, s),
    type: (s: string) => t(lang, `typeNames.${s}`, { defaultValue: s }),
    role: (r: string) => t(lang, `roleNames.${r}`, { defaultValue: r }),
  };
}
export type ExportNames = ReturnType<typeof exportNames>;
