// Where the files that are not code live (templates, locales, static assets), from the package's
// root: the nearest folder above this module that holds package.json. The same answer whether the
// code runs as TypeScript through tsx or vitest (src/lib/paths.ts) or compiled by `npm run build`
// (dist/src/lib/paths.js), so the compiled server reads the one copy of each asset.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const ROOT = packageRoot(path.dirname(fileURLToPath(import.meta.url)));

/** A path under the package's root: `fromRoot('templates', 'emails')`. */
export const fromRoot = (...parts: string[]) => path.join(ROOT, ...parts);
