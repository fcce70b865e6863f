// createApp(deps): middleware, routes and the error handler. No listen: server.ts does that, and
// tests drive the app through supertest.
import express from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Deps } from './deps.js';
import { createRateLimiter, type LoginLimits, type ObjectionLimits, type RateLimiter } from './auth/rate-limit.js';
import { systemClock, type Clock } from './lib/clock.js';
import { requestIdGenerator } from './lib/logger.js';
import { sessionSecret } from './web/security.js';
import { apiRouter } from './api/index.js';
import { open311Router } from './open311/open311-routes.js';
import { pagesRouter } from './web/pages.js';
import { setupViews } from './web/views.js';
import { errorHandler, notFound } from './web/errors.js';

export interface AppOptions {
  /** Tests loosen or tighten the log-in limits. */
  loginLimits?: Partial<LoginLimits>;
  objectionLimits?: Partial<ObjectionLimits>;
  ratingLimits?: Partial<ObjectionLimits>;
  /** Needs reported by the public per address (the form, POST /api/v1/needs without a token, Open311). */
  needLimits?: Partial<ObjectionLimits>;
  /**
   * The limiter's clock: wall time, never the engine's sandbox clock (ARCHITECTURE §3); tests pass
   * a ManualClock of their own so that delays pass without waiting.
   */
  limiterClock?: Clock;
  /** A limiter built elsewhere (tests share one between two apps). */
  limiter?: RateLimiter;
}

export function createApp(deps: Deps, opts: AppOptions = {}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // TRUST_PROXY: whose X-Forwarded-For gives the client's address (the limiter counts by it), and
  // whose X-Request-Id is kept.
  app.set('trust proxy', deps.config.trustProxy === false ? false : deps.config.trustProxy);
  const trustFn = app.get('trust proxy fn') as (addr: string, i: number) => boolean;
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: requestIdGenerator((peer) => trustFn(peer, 0)),
      // Never log bodies or query strings: they can hold personal data.
      serializers: {
        // A rating code in the address (/r/<code>) is a single-use credential: never logged.
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0]!.replace(/^\/r\/[^/]+/, '/r/[code]') }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          objectSrc: ["'none'"],
          upgradeInsecureRequests: deps.config.env === 'production' ? [] : null,
        },
      },
    }),
  );

  app.get('/healthz', async (_req, res) => {
    try {
      await deps.db.raw('select 1');
      const { database } = deps.config;
      res.json({ status: 'ok', database: database.client, ...(database.client === 'sqlite' ? { driver: database.driver } : {}), time: new Date().toISOString() });
    } catch {
      res.status(503).json({ status: 'unavailable' });
    }
  });

  // One limiter for the pages and the API, its counts in the database.
  const limiter = opts.limiter ?? createRateLimiter({
    db: deps.db, clock: opts.limiterClock ?? systemClock, secret: sessionSecret(deps.config),
    ...(opts.loginLimits ? { login: opts.loginLimits } : {}), ...(opts.objectionLimits ? { objections: opts.objectionLimits } : {}), ...(opts.ratingLimits ? { ratings: opts.ratingLimits } : {}),
    ...(opts.needLimits ? { needs: opts.needLimits } : {}),
  });
  app.use('/api/v1', apiRouter(deps, { limiter }));
  // Open311 GeoReport v2: public, no token, no cookies or CSRF (src/open311)
  app.use('/open311/v2', open311Router(deps, { limiter }));
  setupViews(app, { cache: deps.config.env !== 'development' });
  app.use(pagesRouter(deps, { limiter }));

  app.use(notFound);
  app.use(errorHandler);
  return app;
}
