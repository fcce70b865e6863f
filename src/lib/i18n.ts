// i18next with zh-CN first and English complete. Messages live in src/locales/<lang>/<area>.json;
// the files of a language are merged (deeply), so each area keeps its own file.
import fs from 'node:fs';
import path from 'node:path';
import i18next, { type TFunction } from 'i18next';
import { fromRoot } from './paths.js';

export const LANGS = ['zh-CN', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = 'zh-CN';

const LOCALES_DIR = fromRoot('src', 'locales');

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

const messages: Record<Lang, Tree> = { 'zh-CN': loadMessages('zh-CN'), en: loadMessages('en') };
const instance = i18next.createInstance();
await instance.init({
  resources: { 'zh-CN': { translation: messages['zh-CN'] }, en: { translation: messages.en } },
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
  if (params !== undefined) {
    for (const _ in params) return interpolated(lang, key, params) ?? (fixed[lang] ?? fixed[DEFAULT_LANG])(key, params);
  }
  const memo = plain[lang] ?? plain[DEFAULT_LANG];
  let v = memo.get(key);
  if (v === undefined) {
    v = (fixed[lang] ?? fixed[DEFAULT_LANG])(key, {});
    memo.set(key, v);
  }
  return v;
}

/** i18next itself, for the cases the fast path leaves to it (and for the test that compares the two). */
export function i18nextT(lang: Lang, key: string, params: Record<string, unknown>): string {
  return (fixed[lang] ?? fixed[DEFAULT_LANG])(key, params);
}

// Messages with parameters, the other half of the calls: i18next resolves the language, the
// namespace and the key, and builds its interpolation options, on every call (a third of an
// e-mail's rendering). Our messages use plain `{{name}}` placeholders (no plurals, formats or
// namespaces; a few nest `$t(…)`), so those are filled here from the same merged trees; anything else —
// a missing parameter, a placeholder with a format or a path, nesting, a key that is not a string — goes
// to i18next. tests/unit/i18n.test.ts checks both give the same text for every message.
const rawMemo: Record<Lang, Map<string, string | null>> = { 'zh-CN': new Map(), en: new Map() };

function lookup(lang: Lang, key: string): string | null {
  const memo = rawMemo[lang];
  let v = memo.get(key);
  if (v === undefined) {
    let node: string | Tree | undefined = messages[lang];
    for (const part of key.split('.')) node = typeof node === 'object' ? node[part] : undefined;
    v = typeof node === 'string' ? node : null;
    memo.set(key, v);
  }
  return v;
}

const PLACEHOLDER = /{{(.+?)}}/g;

function interpolated(lang: Lang, key: string, params: Record<string, unknown>): string | undefined {
  if (key.includes(':') || (lang !== 'zh-CN' && lang !== 'en')) return undefined;
  let s = lookup(lang, key) ?? (lang === DEFAULT_LANG ? null : lookup(DEFAULT_LANG, key));
  if (s === null) {
    if (typeof params.defaultValue !== 'string') return undefined;
    s = params.defaultValue;
  }
  if (s.includes('$t(')) return undefined; // nesting: i18next's
  if (!s.includes('{{')) return s;
  let ok = true;
  const out = s.replace(PLACEHOLDER, (m, inner: string) => {
    const name = inner.trim();
    const v = /^[A-Za-z_$][\w$]*$/.test(name) && Object.hasOwn(params, name) ? params[name] : undefined;
    if (v === undefined) {
      ok = false;
      return m;
    }
    return v === null ? '' : String(v);
  });
  return ok ? out : undefined;
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
