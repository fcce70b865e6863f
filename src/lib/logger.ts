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

/**
 * An error as it may be logged: knex and driver errors carry the statement and its bound values
 * (`sql`, `bindings`, `parameters`, and PostgreSQL's `detail`/`where`, which quote row values);
 * those never reach a log line. The message is cut at knex's " - " (it prefixes the SQL).
 */
export function loggableError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error) || depth > 3) return err;
  const e = err as Error & Record<string, unknown>;
  // knex prefixes a failed query's message with its SQL, values inlined ("insert into … - <driver message>").
  const hasSql = ['sql', 'bindings', 'parameters'].some((k) => k in e) || SQL_MESSAGE.test(e.message);
  const message = hasSql ? stripSql(e.message) : e.message;
  // The stack's first line repeats the message: rebuilt from the cleaned one.
  const frames = (e.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l));
  const out: Record<string, unknown> = { type: e.name, message, stack: [`${e.name}: ${message}`, ...frames].join('\n') };
  for (const k of ['code', 'errno', 'status', 'statusCode', 'constraint', 'table']) if (k in e) out[k] = e[k];
  if (e.cause !== undefined) out.cause = loggableError(e.cause, depth + 1);
  return out;
}
const SQL_MESSAGE = /^\s*(insert|update|delete|select|with|create|alter|drop|merge|upsert|replace)\b[\s\S]* - /i;
function stripSql(message: string): string {
  // knex: "<sql> - <driver message>"; the driver message itself never carries bound values.
  const i = message.lastIndexOf(' - ');
  return i >= 0 ? message.slice(i + 3) : '[database error]';
}

export function createLogger(level = 'info'): Logger {
  return pino({
    level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { app: 'weishishi' },
    // Any error logged under err/error goes through loggableError: no SQL or bound values.
    serializers: { err: (e: unknown) => loggableError(e), error: (e: unknown) => loggableError(e) },
  });
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
