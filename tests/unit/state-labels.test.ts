// One vocabulary for states (issue 8 item 4b): every state of the machine has one label per language,
// under `states.<stage>` (common.json), and no other locale key names a state in other words.
import fs from 'node:fs';
import path from 'node:path';
import type { AnyStateNode } from 'xstate';
import { describe, expect, it } from 'vitest';
import { hasKey, LANGS, loadMessages, t } from '../../src/lib/i18n.js';
import { stateLabel } from '../../src/web/labels.js';
import { projectMachine } from '../../workflows/project/index.js';

type Tree = { [k: string]: string | Tree };

/** Every state of the machine below the root, as `states.*` keys read them (dots → underscores). */
function stateKeys(n: AnyStateNode = projectMachine.root): string[] {
  return Object.values(n.states).flatMap((c) => [c.path.join('_'), ...stateKeys(c)]);
}
const STATE_KEYS = stateKeys();

/** [path, value] of every string in a tree. */
function leaves(tree: Tree, at: string[] = []): Array<[string[], string]> {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [[[...at, k], v] as [string[], string]] : leaves(v, [...at, k])));
}

/**
 * Maps keyed by state names whose values are NOT names of the state, each with why. Anything else
 * keyed by a state must say the state's label (or nest it with `$t(states.<key>)`).
 */
const NOT_STATE_NAMES: Record<string, string> = {
  'vendor.sections': "headings of the vendor's lists (invitations, contracts to confirm …)",
  'vendor.empty': 'sentences for an empty vendor list',
  'vendor.next': "the vendor's next step, an imperative",
  'public.notice.closed': 'the public notice period has ended (a sentence), not the project state `closed`',
  'documents.kinds': 'kinds of document in the project file (a screening opinion, an evaluation report), not the stages',
};

const LOCALES = path.resolve('src/locales');

describe('state labels', () => {
  it('has one label per state of the machine in each language, and no two states share a label', () => {
    for (const lang of LANGS) {
      const labels = STATE_KEYS.map((k) => {
        expect(hasKey(lang, `states.${k}`), `${lang}: states.${k}`).toBe(true);
        return t(lang, `states.${k}`);
      });
      expect(new Set(labels).size, `${lang}: ${labels.join(', ')}`).toBe(labels.length);
    }
  });

  it('uses the glossary wording: rejected is 不予立项, closed is 已办结', () => {
    expect(stateLabel('zh-CN', 'rejected')).toBe('不予立项');
    expect(stateLabel('zh-CN', 'closed')).toBe('已办结');
    expect(stateLabel('zh-CN', 'procurement.quoting')).toBe(t('zh-CN', 'states.procurement_quoting'));
  });

  for (const lang of LANGS) {
    it(`has no second key in any ${lang} locale file that names a state in other words`, () => {
      const messages = loadMessages(lang);
      const label = (k: string) => t(lang, `states.${k}`);
      const offenders: string[] = [];
      for (const file of fs.readdirSync(path.join(LOCALES, lang)).filter((f) => f.endsWith('.json'))) {
        const tree = JSON.parse(fs.readFileSync(path.join(LOCALES, lang, file), 'utf8')) as Tree;
        for (const [at, value] of leaves(tree)) {
          const key = at[at.length - 1]!;
          const where = at.join('.');
          if (!STATE_KEYS.includes(key) || where === `states.${key}`) continue;
          if (Object.keys(NOT_STATE_NAMES).some((p) => where === p || where.startsWith(`${p}.`))) continue;
          // the same words, or the label nested in
          if (value === label(key) || value.includes(`$t(states.${key})`)) continue;
          offenders.push(`${file}: ${where} = "${value}" (states.${key} = "${label(key)}")`);
        }
      }
      expect(offenders).toEqual([]);
      // one map of state names: `states`, and only at the top
      expect(typeof messages.states).toBe('object');
      expect(leaves(messages).filter(([at]) => at[at.length - 2] === 'states' && at.length > 2).map(([at]) => at.join('.'))).toEqual([]);
    });
  }

  it('has no source or template asking for a retired state-label key', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.(ts|hbs)$/.test(p)) files.push(p);
      }
    };
    for (const dir of ['src', 'templates', 'workflows']) walk(path.resolve(dir));
    const retired = files.filter((f) => /\b(stageNames|projects\.states)\./.test(fs.readFileSync(f, 'utf8')));
    expect(retired).toEqual([]);
  });
});
