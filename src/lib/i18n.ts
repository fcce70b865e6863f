// i18next with zh-CN first and English complete. Messages live in src/locales/<lang>.json.
import i18next, { type TFunction } from 'i18next';
import en from '../locales/en.json' with { type: 'json' };
import zhCN from '../locales/zh-CN.json' with { type: 'json' };

export const LANGS = ['zh-CN', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = 'zh-CN';

const instance = i18next.createInstance();
await instance.init({
  resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
  lng: DEFAULT_LANG,
  fallbackLng: DEFAULT_LANG,
  interpolation: { escapeValue: false }, // Handlebars escapes; JSON needs no escaping
  returnNull: false,
  initAsync: false,
  showSupportNotice: false,
});

export function t(lang: Lang, key: string, params?: Record<string, unknown>): string {
  return instance.getFixedT(lang)(key, params ?? {});
}

export function translator(lang: Lang): TFunction {
  return instance.getFixedT(lang);
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
