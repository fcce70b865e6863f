// The async-handler wrapper of the API routes: a rejected promise goes to the error handler.
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export type Handler = (req: Request, res: Response) => Promise<unknown>;

export const h = (fn: Handler): RequestHandler => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res).catch(next);
};
