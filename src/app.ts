// createApp(deps): middleware, routes and the error handler. No listen: server.ts does that, and
// tests drive the app through supertest.
import express from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { randomUUID } from 'node:crypto';
import type { Deps } from './deps.js';
import { apiRouter } from './api/index.js';
import { pagesRouter } from './web/pages.js';
import { setupViews } from './web/views.js';
import { errorHandler, notFound } from './web/errors.js';

export interface AppOptions {
  /** Tests loosen or tighten the log-in limits. */
  loginLimits?: { perAccount: number; perAddress: number; windowMs: number };
}

export function createApp(deps: Deps, opts: AppOptions = {}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const id = (req.headers['x-request-id'] as string | undefined)?.slice(0, 64) || randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // Never log bodies or query strings: they can hold personal data.
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
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

  app.use('/api/v1', apiRouter(deps, opts));
  setupViews(app, { cache: deps.config.env !== 'development' });
  app.use(pagesRouter(deps, opts));

  app.use(notFound);
  app.use(errorHandler);
  return app;
}
