// One place turns errors into answers: JSON for /api, a page for everything else. Users never see
// a driver message or a stack; unexpected errors are logged with the request id.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, NotFoundError, isAppError } from '../errors.js';
import { hasKey, pickLang, t, type Lang } from '../lib/i18n.js';
import { reasonText } from '../lib/reason-text.js';
import { loggableError } from '../lib/logger.js';

/** A field's message: its i18n key translated; anything else (a service's raw text) as "invalid", never untranslated. */
export const fieldText = (lang: Lang, key: string): string => t(lang, hasKey(lang, key) ? key : 'validation.invalid');

export function errorBody(err: AppError, lang: Lang) {
  return {
    error: {
      code: err.code,
      message: t(lang, `errors.${err.code}`),
      ...(err.reasons.length ? { reasons: err.reasons.map((r) => ({ code: r.code, message: reasonText(lang, r.code, r.params ?? {}), ...(r.params ? { params: r.params } : {}) })) } : {}),
      ...(err.fields ? { fields: Object.fromEntries(Object.entries(err.fields).map(([k, v]) => [k, fieldText(lang, v)])) } : {}),
    },
  };
}

export function requestLang(req: Parameters<RequestHandler>[0]): Lang {
  const q = typeof req.query?.lang === 'string' ? req.query.lang : undefined;
  const profile = (req as { user?: { lang?: string } }).user?.lang;
  // The API answers in the Accept-Language language (ARCHITECTURE §7); pages follow ?lang=, then
  // the user's profile, then the browser.
  if (req.originalUrl.startsWith('/api/')) return pickLang(q, req.headers['accept-language'], profile);
  return pickLang(q, profile, req.headers['accept-language']);
}

function pageLocals(req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1], lang: Lang, model: Record<string, unknown>) {
  return { lang, htmlLang: lang, user: req.user, csrfToken: res.locals.csrfToken, nav: res.locals.nav, title: t(lang, 'errorPage.title'), otherLangs: lang === 'en' ? ['zh-CN'] : ['en'], ...model };
}

/** A body of a type the route does not read (multipart sent to a form that takes no files). */
export class UnsupportedMediaTypeError extends AppError {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  readonly status = 415;
}

/** The pages that take files (multipart): every other page refuses a multipart body with 415. */
const MULTIPART_ROUTES = [/^\/projects\/[^/]+\/events\/[^/]+\/?$/, /^\/admin\/library\/import\/?$/, /^\/beneficiaries\/import\/?$/];
export const refuseUnexpectedMultipart: RequestHandler = (req, _res, next) => {
  if (req.method !== 'GET' && req.method !== 'HEAD' && req.is('multipart/*') && !MULTIPART_ROUTES.some((re) => re.test(req.path))) {
    return next(new UnsupportedMediaTypeError('this page takes no files'));
  }
  next();
};

export const notFound: RequestHandler = (_req, _res, next) => next(new NotFoundError('no such page'));

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const lang = requestLang(req);
  const appErr: AppError | undefined = isAppError(err) ? err : undefined;
  // Body-parser errors (malformed JSON, too large) are the client's: answer 400/413, not 500.
  const status = (err as { status?: number; statusCode?: number }).status ?? (err as { statusCode?: number }).statusCode;
  if (!appErr && typeof status === 'number' && status >= 400 && status < 500) {
    const code = status === 413 ? 'TOO_LARGE' : 'BAD_REQUEST';
    const message = code === 'TOO_LARGE'
      ? (lang === 'en' ? 'What was sent is too large to be read.' : '提交的内容过大，无法读取。')
      : (lang === 'en' ? 'The request could not be read.' : '无法解析请求内容。');
    res.status(status);
    // A page's form gets a page, in the user's language; the API gets JSON.
    if (req.originalUrl.startsWith('/api/') || !res.app.get('view engine')) res.json({ error: { code, message } });
    else res.render('pages/error', pageLocals(req, res, lang, { status, message }));
    return;
  }
  if (!appErr) {
    const requestId = String(req.id ?? '');
    req.log?.error({ err: loggableError(err) }, 'unhandled error');
    res.status(500);
    const body = { error: { code: 'INTERNAL', message: t(lang, 'errors.INTERNAL', { requestId }) } };
    if (req.path.startsWith('/api/') || !res.app.get('view engine')) res.json(body);
    else res.render('pages/error', pageLocals(req, res, lang, { status: 500, message: body.error.message }));
    return;
  }
  res.status(appErr.status);
  // The limiter says how long to wait (RFC 9110 §10.2.3).
  if (appErr.code === 'RATE_LIMITED' && typeof appErr.context?.retryAfter === 'number') res.setHeader('Retry-After', String(appErr.context.retryAfter));
  if (appErr.code === 'VERSION_CONFLICT' && appErr.context?.version !== undefined) res.setHeader('ETag', `"${appErr.context.version}"`);
  if (req.path.startsWith('/api/') || !res.app.get('view engine')) {
    res.json(errorBody(appErr, lang));
  } else {
    const body = errorBody(appErr, lang);
    // A bad query string has no form to show it on: the error page names each field.
    const fields = Object.entries(body.error.fields ?? {}).map(([name, text]) => ({ code: `field:${name}`, message: `${name}${lang === 'en' ? ': ' : '：'}${text}` }));
    const reasons = [...fields, ...(body.error.reasons ?? [])];
    res.render('pages/error', pageLocals(req, res, lang, { status: appErr.status, message: body.error.message, reasons: reasons.length ? reasons : undefined }));
  }
};
