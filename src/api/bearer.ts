// Bearer-token authentication of the JSON API (no cookies, so no CSRF): the signed-in user on req.user.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { UnauthenticatedError } from '../errors.js';
import type { User, UserService } from '../auth/users.js';

declare module 'express-serve-static-core' {
  interface Request {
    user?: User;
  }
}

export interface BearerAuth {
  /** Sets req.user from the Authorization header, or answers 401 UNAUTHENTICATED. */
  requireUser: RequestHandler;
}

export function bearerAuth(users: Pick<UserService, 'userForToken'>): BearerAuth {
  async function bearer(req: Request): Promise<User | undefined> {
    const auth = req.headers.authorization;
    if (!auth) return undefined;
    const m = /^Bearer\s+([A-Za-z0-9_-]{20,200})$/.exec(auth);
    if (!m) throw new UnauthenticatedError('malformed Authorization header');
    return users.userForToken(m[1]!);
  }
  const requireUser: RequestHandler = (req: Request, _res: Response, next: NextFunction) => {
    bearer(req).then((u) => {
      if (!u) return next(new UnauthenticatedError('sign in first'));
      req.user = u;
      next();
    }, next);
  };
  return { requireUser };
}
