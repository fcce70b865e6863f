// i18next with zh-CN first and English complete. Messages live in src/locales/<lang>/<area>.json;
// the files of a language are merged (deeply), so each area keeps its own file.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next, { type TFunction } from 'i18next';

export const LANGS = ['zh-CN', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = 'zh-CN';

const LOCALES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../locales');

type Tree = { [k: string]: string | Tree };
function merge(into: Tree, from: Tree): Tree {
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k];
    into[k] = typeof v === 'object' && typeof cur === 'object' ? merge(cur, v) : v;
  }
  return into;
}

export function loadMessages(lang: string): Tree {
  const dir = path.join(LOCALES_DIR, lang);
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    .reduce<Tree>((acc, f) => merge(acc, JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Tree), {});
}

const instance = i18next.createInstance();
await instance.init({
  resources: { 'zh-CN': { translation: loadMessages('zh-CN') }, en: { translation: loadMessages('en') } },
  lng: DEFAULT_LANG,
  fallbackLng: DEFAULT_LANG,
  interpolation: { escapeValue: false }, // Handlebars escapes; JSON needs no escaping
  returnNull: false,
  initAsync: false,
  showSupportNotice: false,
});

// One bound translator per language: getFixedT on every call showed up in page profiles.
const fixed: Record<Lang, TFunction> = { 'zh-CN': instance.getFixedT('zh-CN'), en: instance.getFixedT('en') };

// A key without parameters always reads the same: those are looked up once (pages and e-mails ask
// for the same labels thousands of times; i18next resolves the language and the key on each call).
const plain: Record<Lang, Map<string, string>> = { 'zh-CN': new Map(), en: new Map() };

export function t(lang: Lang, key: string, params?: Record<string, unknown>): string {
  const tr = fixed[lang] ?? fixed[DEFAULT_LANG];
  if (params !== undefined) {
    for (const _ in params) return tr(key, params);
  }
  const memo = plain[lang] ?? plain[DEFAULT_LANG];
  let v = memo.get(key);
  if (v === undefined) {
    v = tr(key, {});
    memo.set(key, v);
  }
  return v;
}

export function translator(lang: Lang): TFunction {
  return fixed[lang] ?? fixed[DEFAULT_LANG];
}

export function hasKey(lang: Lang, key: string): boolean {
  return instance.exists(key, { lng: lang, fallbackLng: false });
}

/** Picks zh-CN or en from ?lang=, a profile setting, or Accept-Language (in that order). */
export function pickLang(...candidates: Array<string | undefined | null>): Lang {
  for (const c of candidates) {
    if (!c) continue;
    for (const part of c.split(',')) {
      const tag = part.split(';')[0]!.trim().toLowerCase();
      if (tag.startsWith('zh')) return 'zh-CN';
      if (tag.startsWith('en')) return 'en';
    }
  }
  return DEFAULT_LANG;
}

/** A sentence for a reason code, with its params; falls back to the code itself. */
export function reasonMessage(lang: Lang, code: string, params?: Record<string, unknown>): string {
  const key = `reasons.${code}`;
  return hasKey(lang, key) || hasKey(DEFAULT_LANG, key) ? t(lang, key, params) : code;
}
