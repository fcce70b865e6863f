// Handlebars views: layouts, partials and the formatting helpers. Helpers only format (money in 元,
// dates in Asia/Shanghai, i18n keys); templates receive view-models and make no decisions.
import path from 'node:path';
import { create } from 'express-handlebars';
import type { Express } from 'express';
import { formatShanghai } from '../lib/calendar.js';
import { formatYuan, formatYuanShort } from '../../workflows/shared/money.js';
import { t, type Lang } from '../lib/i18n.js';
import { assets, watchAssets } from './assets.js';
import { fromRoot } from '../lib/paths.js';

export const TEMPLATES_DIR = fromRoot('templates');

type HelperOptions = { data?: { root?: { lang?: Lang } }; hash?: Record<string, unknown> };
const langOf = (options: HelperOptions): Lang => options?.data?.root?.lang ?? 'zh-CN';

export const helpers = {
  /** {{t "key" name=value}} — a translated string in the page's language */
  t(key: string, options: HelperOptions) {
    return t(langOf(options), key, options.hash ?? {});
  },
  /** {{yuan fen}} → ¥12,345.67 */
  yuan(fen: unknown, options: HelperOptions) {
    return typeof fen === 'number' ? formatYuan(fen, { lang: langOf(options) }) : '—';
  },
  /** {{yuanShort fen}} → ¥1.23万 in Chinese */
  yuanShort(fen: unknown, options: HelperOptions) {
    return typeof fen === 'number' ? formatYuanShort(fen, langOf(options)) : '—';
  },
  /** {{date iso}} / {{datetime iso}} in Asia/Shanghai */
  date(iso: unknown) {
    return typeof iso === 'string' && iso ? formatShanghai(iso, 'date') : '—';
  },
  datetime(iso: unknown) {
    return typeof iso === 'string' && iso ? formatShanghai(iso, 'datetime') : '—';
  },
  eq(a: unknown, b: unknown) {
    return a === b;
  },
  /** fen → yuan text for a form field's value ("1234.50") */
  yuanInput(fen: unknown) {
    return typeof fen === 'number' ? (fen / 100).toFixed(2) : '';
  },
  /** {{asset "app.css"}} → /static/app.<hash8>.css, any file in src/web/static (src/web/assets.ts) */
  asset(name: unknown) {
    return assets().href(String(name));
  },
};

export function setupViews(app: Express, opts: { cache: boolean }): void {
  const hbs = create({
    extname: '.hbs',
    defaultLayout: 'main',
    layoutsDir: path.join(TEMPLATES_DIR, 'layouts'),
    partialsDir: path.join(TEMPLATES_DIR, 'partials'),
    helpers,
  });
  app.engine('.hbs', hbs.engine);
  app.set('view engine', '.hbs');
  // Compiled templates are cached except in development, where an edited template shows at once.
  app.set('view cache', opts.cache);
  watchAssets(!opts.cache);
  assets(); // hashed once at startup
  app.set('views', TEMPLATES_DIR);
}
