// The order vitest starts test files in. Without timings from an earlier run (CI starts from a
// clean checkout), vitest starts the largest files first; a short file that runs for minutes — the
// whole demo year 2021 — could then start last and leave the other worker idle for its length.
// Files known to take the longest start first, in this order; the rest keep vitest's order.
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const LONGEST_FIRST = [
  'tests/integration/demo-year-2021.test.ts', // only in npm run test:long
  'tests/browser/',
  'tests/integration/demo-year.test.ts',
  'tests/integration/demo-city.test.ts',
  'tests/reliability/crash.test.ts',
  'tests/http/forms-property.test.ts',
];

export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const rel = path.relative(this.ctx.config.root, f.moduleId).split(path.sep).join('/');
      const i = LONGEST_FIRST.findIndex((p) => rel === p || (p.endsWith('/') && rel.startsWith(p)));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    return sorted.map((f, i) => ({ f, i, r: rank(f) })).sort((a, b) => a.r - b.r || a.i - b.i).map((x) => x.f);
  }
}
