// Pages every visitor without a session sees alike (the public project list and the statistics): for
// such a visitor the whole page — layout included — is rendered once per kept answer, language and
// address, and served from there before the session, CSRF and navigation middleware run. The city's
// public pages are where anonymous traffic concentrates, and for them that middleware was most of
// the work: a session lookup, two random cookies and an HMAC for a CSRF token the page has no form
// to use, and the layout rendered afresh around a body that had not changed.
//
// What makes it safe: a visitor without a session cookie has no user, no flash and no navigation, so
// the page's locals are its kept answer, the language (from ?lang= or Accept-Language: both in the
// key) and the address; a page served this way carries no form that needs a CSRF token (the test
// compares it byte for byte with the page the full chain renders), and it sets no cookie: the
// anonymous CSRF cookie is set by the first page with a form, as before. A kept answer renews when
// the data under it may have changed (src/lib/read-cache.ts), and the pages kept on it go with it.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { SESSION_COOKIE } from './security.js';
import { langOf, pageLocals } from './render.js';

/** A page rendered once: its bytes and the ETag Express would compute for them. */
interface Whole {
  body: Buffer;
  etag: string | undefined;
}

/**
 * What a shared page is made of: the kept answer it is rendered from, its view, and its model built
 * from the answer (only when the page is rendered: a kept page needs neither).
 */
export interface SharedPage {
  answer: object;
  view: string;
  model(): Promise<Record<string, unknown>> | Record<string, unknown>;
}

/** The addresses kept per answer: more (junk query strings) are rendered and not kept. */
export const VARIANTS_PER_ANSWER = 64;

const hasSessionCookie = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE.replace('.', '\\.')}=`);

/** True when the request carries no session cookie: no user, no flash, no navigation. */
export function withoutSession(req: Request): boolean {
  return !hasSessionCookie.test(req.headers.cookie ?? '');
}

/**
 * A GET handler that serves `load`'s page whole to visitors without a session, and hands everyone
 * else, and any failure, on to the full chain (`next()`): the same page then renders as usual, with
 * its error page where there is one.
 */
export function sharedPage(load: (req: Request) => Promise<SharedPage>): RequestHandler {
  const kept = new WeakMap<object, Map<string, Promise<Whole>>>();
  const renderWhole = async (req: Request, res: Response, p: SharedPage) => {
    const model = await p.model();
    return new Promise<Whole>((resolve, reject) => res.render(p.view, pageLocals(req, res, model), (err, html) => {
      if (err) return reject(err);
      const body = Buffer.from(html, 'utf8');
      const etagFn = req.app.get('etag fn') as ((body: Buffer, encoding?: string) => string) | undefined;
      resolve({ body, etag: etagFn?.(body) });
    }));
  };
  return (req: Request, res: Response, next: NextFunction) => {
    if (!withoutSession(req)) return next();
    void (async () => {
      const p = await load(req);
      // an answer that is not kept (no cache, or computed while this process wrote) is rendered afresh
      let whole: Promise<Whole>;
      if (!Object.isFrozen(p.answer)) whole = renderWhole(req, res, p);
      else {
        let byVariant = kept.get(p.answer);
        if (!byVariant) kept.set(p.answer, (byVariant = new Map()));
        const variant = `${langOf(req)}\n${req.originalUrl}`;
        const found = byVariant.get(variant);
        if (found) whole = found;
        else {
          whole = renderWhole(req, res, p);
          if (byVariant.size < VARIANTS_PER_ANSWER) {
            byVariant.set(variant, whole);
            // a failed render is not kept: the next visitor tries again
            whole.catch(() => byVariant.delete(variant));
          }
        }
      }
      return whole;
    })().then(
      (w) => {
        res.type('html');
        if (w.etag) res.set('ETag', w.etag);
        res.send(w.body);
      },
      // not rendered: the full chain renders the page, or its error page, as usual
      () => next(),
    ).catch(next);
  };
}
