// The limiter at the HTTP edge, shared by the pages and the API: the client's address (as the
// trusted proxies report it, TRUST_PROXY), the device cookie in and out, and the objection limit.
import type { Request, RequestHandler, Response } from 'express';
import { DEVICE_COOKIE_MAX_AGE_MS, type DeviceCookie } from './device-cookie.js';
import type { LoginAttempt, RateLimiter } from './rate-limit.js';

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export const clientAddress = (req: Request): string => req.ip ?? req.socket.remoteAddress ?? '';

export function loginAttempt(limiter: RateLimiter, req: Request, email: string): LoginAttempt {
  return { email, address: clientAddress(req), device: cookie(req, limiter.deviceCookieName(email)) };
}

/** Marks this device as known to the account (HttpOnly, SameSite=Lax, Secure in production). */
export function rememberDevice(res: Response, device: DeviceCookie, secure: boolean): void {
  res.cookie(device.name, device.value, { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: DEVICE_COOKIE_MAX_AGE_MS });
}

/** Counts an objection from this address; the next handler runs only when it is within the limit. */
export function objectionLimit(limiter: RateLimiter): RequestHandler {
  return (req, _res, next) => {
    limiter.objection(clientAddress(req)).then(() => next(), next);
  };
}

/** Counts a resident's rating from this address, the same way. */
export function ratingLimit(limiter: RateLimiter): RequestHandler {
  return (req, _res, next) => {
    limiter.rating(clientAddress(req)).then(() => next(), next);
  };
}

/** Counts a need reported by the public from this address, the same way (the form, the JSON API, Open311). */
export function needLimit(limiter: RateLimiter): RequestHandler {
  return (req, _res, next) => {
    limiter.need(clientAddress(req)).then(() => next(), next);
  };
}
