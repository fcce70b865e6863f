// pino, with personal data redacted by path wherever it could appear in a log line.
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
