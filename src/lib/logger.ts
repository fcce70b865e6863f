// pino, with personal data redacted by path wherever it could appear in a log line.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'password',
  '*.password',
  '*.idNumber',
  '*.phone',
  '*.address',
  '*.name',
  'beneficiary',
  '*.beneficiary',
];

export function createLogger(level = 'info'): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { app: 'weishishi' } });
}

/**
 * The request id: the X-Request-Id a trusted proxy sent (TRUST_PROXY: `trusted` says whether the
 * peer is one), when it is a plain token, else a new UUID. Echoed in the answer. A client that is
 * not a trusted proxy cannot choose the id its requests are logged under.
 */
export function requestIdGenerator(trusted: (peer: string) => boolean) {
  return (req: IncomingMessage, res: ServerResponse): string => {
    const given = req.headers['x-request-id'];
    const peer = req.socket?.remoteAddress ?? '';
    const id = typeof given === 'string' && /^[\w.:-]{1,64}$/.test(given) && trusted(peer) ? given : randomUUID();
    res.setHeader('X-Request-Id', id);
    return id;
  };
}
