import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasKey, i18nextT, LANGS, loadMessages, pickLang, reasonMessage, t } from '../../src/lib/i18n.js';
import { VALIDATION_KEYS } from '../../workflows/project/index.js';

type Tree = { [k: string]: string | Tree };
function keys(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`)));
}

/** Every reason code the workflow and the services can give: `code: 'X'` in their sources. */
function reasonCodesInSources(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  walk(path.resolve('workflows'));
  walk(path.resolve('src'));
  const codes = new Set<string>();
  for (const f of files) for (const m of fs.readFileSync(f, 'utf8').matchAll(/(?:code: |reason\(|Reasons\()'([A-Z][A-Z_]+)'/g)) codes.add(m[1]!);
  // Not reason codes: the district's ref prefix in the demo seed, and the 500 error code.
  for (const notReason of ['XZ', 'INTERNAL']) codes.delete(notReason);
  return [...codes].sort();
}

describe('messages', () => {
  it('has exactly the same keys in Chinese and English', () => {
    const zh = keys(loadMessages('zh-CN')).sort();
    const en = keys(loadMessages('en')).sort();
    expect(zh.filter((k) => !en.includes(k))).toEqual([]);
    expect(en.filter((k) => !zh.includes(k))).toEqual([]);
  });

  it('has a sentence in both languages for every reason code the workflow and services give', () => {
    const codes = reasonCodesInSources();
    expect(codes.length).toBeGreaterThan(40);
    const missing = codes.filter((c) => !hasKey('zh-CN', `reasons.${c}`) || !hasKey('en', `reasons.${c}`));
    expect(missing).toEqual([]);
  });

  it('has every validation key the event schemas use', () => {
    const missing = VALIDATION_KEYS.filter((k) => !hasKey('zh-CN', k) || !hasKey('en', k));
    expect(missing).toEqual([]);
  });

  it('fills parameters and picks the language', () => {
    expect(reasonMessage('en', 'NOT_ALLOWED_IN_STATE', { state: 'draft' })).toContain('draft');
    expect(t('zh-CN', 'errors.NOT_FOUND')).toBe('找不到该内容。');
    expect(pickLang('en-GB,en;q=0.9')).toBe('en');
    expect(pickLang(undefined, 'fr')).toBe('zh-CN');
    expect(pickLang('zh-TW')).toBe('zh-CN');
  });

  it('fills parameters exactly as i18next does, for every message in both languages', () => {
    let compared = 0;
    for (const lang of LANGS) {
      const tree = loadMessages(lang);
      for (const key of keys(tree)) {
        let node: unknown = tree;
        for (const part of key.split('.')) node = (node as Record<string, unknown>)[part];
        const names = [...String(node).matchAll(/{{(.+?)}}/g)].map((m) => m[1]!.trim());
        const full = Object.fromEntries(names.map((n, i) => [n, i % 3 === 0 ? `‹${n}›` : i % 3 === 1 ? i * 7 : null]));
        expect(t(lang, key, full), `${lang} ${key}`).toBe(i18nextT(lang, key, full));
        // one parameter missing, and one too many: the same text either way
        if (names.length === 0) continue;
        const partial: Record<string, unknown> = { ...full, unused: 'x' };
        delete partial[names[0]!];
        expect(t(lang, key, partial), `${lang} ${key} partial`).toBe(i18nextT(lang, key, partial));
        compared += 2;
      }
      // keys that do not exist: the default value (filled), or the key itself
      expect(t(lang, 'no.such.key', { defaultValue: '默认 {{x}}', x: 1 })).toBe(i18nextT(lang, 'no.such.key', { defaultValue: '默认 {{x}}', x: 1 }));
      expect(t(lang, 'no.such.key', { x: 1 })).toBe(i18nextT(lang, 'no.such.key', { x: 1 }));
      expect(t(lang, 'errors', { x: 1 })).toBe(i18nextT(lang, 'errors', { x: 1 }));
    }
    expect(compared).toBeGreaterThan(500);
  });
});
