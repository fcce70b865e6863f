// What a page derives from a kept answer is built once per variant and renews with the answer
// (src/lib/read-cache.ts derivedOnce); an answer that is not kept is derived afresh every time.
import { describe, expect, it } from 'vitest';
import { derivedOnce } from '../../src/lib/read-cache.js';

describe('derivedOnce', () => {
  const counting = () => {
    let builds = 0;
    const derive = derivedOnce((a: { n: number }, lang: 'zh-CN' | 'en') => ({ text: `${lang}:${a.n}`, build: ++builds }));
    return { derive, builds: () => builds };
  };

  it('when a kept (frozen) answer is derived again in the same language, then the first derivation is given', () => {
    const { derive, builds } = counting();
    const kept = Object.freeze({ n: 1 });
    const zh = derive(kept, 'zh-CN');
    expect(derive(kept, 'zh-CN')).toBe(zh);
    expect(derive(kept, 'en')).toEqual({ text: 'en:1', build: 2 });
    expect(builds()).toBe(2);
  });

  it('when the answer is renewed (another object), then it is derived again', () => {
    const { derive } = counting();
    expect(derive(Object.freeze({ n: 1 }), 'zh-CN').text).toBe('zh-CN:1');
    expect(derive(Object.freeze({ n: 2 }), 'zh-CN').text).toBe('zh-CN:2');
  });

  it('when the answer is not kept (not frozen), then every call derives it afresh, so a change to it shows', () => {
    const { derive, builds } = counting();
    const mutable = { n: 1 };
    expect(derive(mutable, 'zh-CN').text).toBe('zh-CN:1');
    mutable.n = 2;
    expect(derive(mutable, 'zh-CN').text).toBe('zh-CN:2');
    expect(builds()).toBe(2);
  });
});
