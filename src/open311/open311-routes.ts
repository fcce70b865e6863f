// Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) over the residents' needs (issue 15
// item 6), at /open311/v2: public, no token, no cookies (so no CSRF), JSON only.
// - GET services.json: the need types (the need workflow's closed list) as services.
// - POST requests.json: files a need through the need service (source `public`), form-encoded or
//   JSON. The community is `attribute[community]` (or `attribute: {community}` in JSON), or else
//   `address_id`, a community id of the reference data. `phone` becomes the need's contact (never
//   shown back). address_string, lat/long, email and names are not stored. Rate-limited per address
//   with the public form and POST /api/v1/needs.
// - No service definition (services/<code>.json is 404): every service says metadata false, so the
//   spec's clients never ask for one; the community is address_id (or attribute[community]).
// - GET requests.json (filters service_request_id, service_code, status, start_date, end_date; paged
//   with the page/page_size extension, page_size at most 200) and GET requests/<id>.json. As the spec
//   says: service_request_id overrides all other filters; without it and without dates the list is
//   the most recent 90 days; start_date and end_date together may not span more than 90 days.
//   service_request_id is the need's reference (XZ-XQ-2026-0001). No personal data ever: no contact,
//   no register entry, no staff notes; a description only for needs the public filed; address null.
// Errors are the spec's: [{code, description}] with the HTTP status as code (400, 404, 429, 500).
import express, { type ErrorRequestHandler, type Request } from 'express';
import type { Deps } from '../deps.js';
import type { RateLimiter } from '../auth/rate-limit.js';
import { needLimit } from '../auth/rate-limit-http.js';
import { isAppError } from '../errors.js';
import { pickLang, t, type Lang } from '../lib/i18n.js';
import { loggableError } from '../lib/logger.js';
import { placeName } from '../web/labels.js';
import { NEED_TYPES } from '../../workflows/need/index.js';
import { createPublicNeeds, PUBLIC_STATUSES, type PublicNeed, type PublicStatus } from './public-needs.js';

/** An Open311 error: answered as [{code, description}] with `status`. */
export class Open311Error extends Error {
  constructor(readonly status: number, readonly descriptions: string[]) {
    super(descriptions.join('; '));
  }
}

const MAX_PAGE_SIZE = 200;
const DEFAULT_PAGE_SIZE = 50;
/** The spec's default span of GET requests, and the most start_date..end_date may span. */
const SPAN_MS = 90 * 24 * 3600_000;
/** The spec's limit on a description. */
const MAX_DESCRIPTION = 4000;

const langOf = (req: Request): Lang => pickLang(typeof req.query.lang === 'string' ? req.query.lang : undefined, req.headers['accept-language']);

/** One text parameter (query or body): absent → undefined; repeated or not text → invalid. */
function param(lang: Lang, source: Record<string, unknown> | undefined, name: string, max = 5000): string | undefined {
  const v = source?.[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string' || v.length > max) throw new Open311Error(400, [t(lang, 'open311.errors.invalid', { name })]);
  return v;
}

/** A comma list parameter (service_request_id=a,b), which the spec lets a client also declare several times (status=open&status=closed). */
function list(lang: Lang, source: Record<string, unknown>, name: string): string[] | undefined {
  const given = source[name];
  const joined = Array.isArray(given) && given.length <= MAX_PAGE_SIZE && given.every((x) => typeof x === 'string') ? { [name]: given.join(',') } : source;
  const v = param(lang, joined, name, 2000);
  if (v === undefined) return undefined;
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length > MAX_PAGE_SIZE || items.some((s) => s.length > 64)) throw new Open311Error(400, [t(lang, 'open311.errors.invalid', { name })]);
  return items;
}

function instant(lang: Lang, source: Record<string, unknown>, name: string): string | undefined {
  // a `+` of the offset left unencoded in the query string reads as a space
  const v = param(lang, source, name, 40)?.replace(/(T[\d:.]+) (\d{2}:?\d{2})$/, '$1+$2');
  if (v === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(ms)) throw new Open311Error(400, [t(lang, 'open311.errors.invalid', { name })]);
  return new Date(ms).toISOString();
}

function positive(lang: Lang, source: Record<string, unknown>, name: string, dflt: number, max: number): number {
  const v = param(lang, source, name, 10);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Open311Error(400, [t(lang, 'open311.errors.invalid', { name })]);
  return n;
}

/** The community of a request: attribute[community] (form or JSON), else address_id. */
function communityOf(lang: Lang, body: Record<string, unknown>): string | undefined {
  const attr = body.attribute;
  const nested = attr && typeof attr === 'object' && !Array.isArray(attr) ? (attr as Record<string, unknown>) : undefined;
  return param(lang, body, 'attribute[community]', 64) ?? param(lang, nested, 'community', 64) ?? param(lang, body, 'address_id', 64);
}

/** The need service's field names as the spec's parameters. */
const PARAM_OF: Record<string, string> = { communityId: 'attribute[community]', type: 'service_code', description: 'description', 'contact.phone': 'phone', contact: 'phone' };

export function open311Router(deps: Deps, opts: { limiter: RateLimiter }): express.Router {
  const r = express.Router();
  const needs = createPublicNeeds(deps);
  r.use(express.json({ limit: '100kb' }));
  r.use(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 100 }));
  r.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  /** Place names for agency_responsible, once per answer. */
  async function places() {
    const [streets, communities] = await Promise.all([deps.services.reference.streets(), deps.services.reference.communities()]);
    return { streets: new Map(streets.map((s) => [s.id, s])), communities: new Map(communities.map((c) => [c.id, c])) };
  }

  function request(lang: Lang, n: PublicNeed, p: Awaited<ReturnType<typeof places>>) {
    const [level, id] = n.handledBy.split(':') as [string, string];
    const agency = level === 'street' ? placeName(lang, p.streets.get(id)) : placeName(lang, p.communities.get(id));
    return {
      service_request_id: n.ref,
      status: n.status,
      status_notes: t(lang, `open311.notes.${n.state === 'referred' ? `referred_${n.referredLevel ?? 'street'}` : n.state}`),
      service_name: t(lang, `needs.types.${n.type}`),
      service_code: n.type,
      description: n.description,
      agency_responsible: agency,
      service_notice: null,
      requested_datetime: n.receivedAt,
      updated_datetime: n.updatedAt,
      expected_datetime: null,
      address: null,
      address_id: null,
      zipcode: null,
      lat: null,
      long: null,
      media_url: null,
    };
  }

  r.get('/services.json', (req, res) => {
    const lang = langOf(req);
    res.json(NEED_TYPES.map((code) => ({
      service_code: code,
      service_name: t(lang, `needs.types.${code}`),
      description: t(lang, `open311.descriptions.${code}`),
      metadata: false,
      type: 'realtime',
      keywords: t(lang, `open311.keywords.${code}`),
      group: t(lang, 'open311.group'),
    })));
  });

  r.post('/requests.json', needLimit(opts.limiter), async (req, res, next) => {
    try {
      const lang = langOf(req);
      const body = (req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? req.body : {}) as Record<string, unknown>;
      const type = param(lang, body, 'service_code', 64);
      const description = param(lang, body, 'description', MAX_DESCRIPTION);
      const communityId = communityOf(lang, body);
      const missing = [
        ...(type === undefined ? ['service_code'] : []), ...(description === undefined ? ['description'] : []),
        ...(communityId === undefined ? ['attribute[community]'] : []),
      ];
      if (missing.length) throw new Open311Error(400, missing.map((name) => t(lang, 'open311.errors.required', { name })));
      if (!(NEED_TYPES as readonly string[]).includes(type!)) throw new Open311Error(400, [t(lang, 'open311.errors.invalid', { name: 'service_code' })]);
      const { ref } = await needs.report({ communityId: communityId!, type: type!, description: description!, phone: param(lang, body, 'phone', 40) });
      res.status(201).json([{ service_request_id: ref, service_notice: t(lang, 'open311.notes.received'), account_id: null }]);
    } catch (err) {
      next(err);
    }
  });

  r.get('/requests.json', async (req, res, next) => {
    try {
      const lang = langOf(req);
      const q = req.query as Record<string, unknown>;
      const codes = list(lang, q, 'service_code');
      if (codes?.some((c) => !(NEED_TYPES as readonly string[]).includes(c))) throw new Open311Error(400, [t(lang, 'open311.errors.invalid', { name: 'service_code' })]);
      const statuses = list(lang, q, 'status');
      if (statuses?.some((s) => !(PUBLIC_STATUSES as readonly string[]).includes(s))) throw new Open311Error(400, [t(lang, 'open311.errors.invalid', { name: 'status' })]);
      const refs = list(lang, q, 'service_request_id');
      const from = instant(lang, q, 'start_date');
      const to = instant(lang, q, 'end_date');
      if (from && to && Date.parse(to) - Date.parse(from) > SPAN_MS) throw new Open311Error(400, [t(lang, 'open311.errors.invalid', { name: 'end_date' })]);
      // service_request_id overrides all other arguments; with no dates, the most recent 90 days
      const filter = refs ? { refs } : {
        types: codes, statuses: statuses as PublicStatus[] | undefined,
        from: from ?? (to ? undefined : new Date(deps.clock.now().getTime() - SPAN_MS).toISOString()), to,
      };
      const page = { page: positive(lang, q, 'page', 1, 100_000), pageSize: positive(lang, q, 'page_size', DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE) };
      const { needs: found, total } = await needs.list(Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)), page);
      const p = await places();
      res.setHeader('X-Total-Count', String(total)).json(found.map((n) => request(lang, n, p)));
    } catch (err) {
      next(err);
    }
  });

  r.get('/requests/:id.json', async (req, res, next) => {
    try {
      const lang = langOf(req);
      const id = String(req.params.id ?? '');
      const n = id.length <= 64 ? await needs.byRef(id) : null;
      if (!n) throw new Open311Error(404, [t(lang, 'open311.errors.notFound')]);
      res.json([request(lang, n, await places())]);
    } catch (err) {
      next(err);
    }
  });

  // Anything else: the XML format is not offered (400), other paths are 404, both in the spec's shape.
  r.use((req, _res, next) => {
    const lang = langOf(req);
    next(/\.xml$/i.test(req.path) ? new Open311Error(400, [t(lang, 'open311.errors.jsonOnly')]) : new Open311Error(404, [t(lang, 'open311.errors.noRoute')]));
  });

  const errors: ErrorRequestHandler = (err, req, res, _next) => {
    const lang = langOf(req);
    let status = 500;
    let descriptions: string[] = [t(lang, 'open311.errors.server')];
    if (err instanceof Open311Error) {
      status = err.status;
      descriptions = err.descriptions;
    } else if (isAppError(err)) {
      if (err.code === 'RATE_LIMITED') {
        status = 429;
        descriptions = [t(lang, 'open311.errors.rateLimited')];
        if (typeof err.context?.retryAfter === 'number') res.setHeader('Retry-After', String(err.context.retryAfter));
      } else if (err.status === 404) {
        status = 404;
        descriptions = [t(lang, 'open311.errors.notFound')];
      } else if (err.status < 500) {
        // the need service's 422 (unknown community, bad phone …): 400 per parameter, in the spec's names
        status = 400;
        const fields = Object.keys(err.fields ?? {});
        descriptions = fields.length ? fields.map((f) => t(lang, 'open311.errors.invalid', { name: PARAM_OF[f] ?? f })) : [t(lang, `errors.${err.code}`)];
      }
    } else {
      const s = (err as { status?: number }).status;
      if (typeof s === 'number' && s >= 400 && s < 500) {
        // the body could not be read (malformed JSON, too large)
        status = s === 413 ? 413 : 400;
        descriptions = [t(lang, 'open311.errors.invalid', { name: 'body' })];
      } else {
        req.log?.error({ err: loggableError(err) }, 'open311 error');
      }
    }
    res.status(status).json(descriptions.map((description) => ({ code: status, description })));
  };
  r.use(errors);
  return r;
}
