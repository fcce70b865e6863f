// Every error a user can meet has a stable code and an HTTP status. Code is never branched on message text.
import type { z } from 'zod';
export interface Reason {
  code: string;
  params?: Record<string, unknown>;
}

export interface AppErrorOptions {
  reasons?: Reason[];
  fields?: Record<string, string>;
  context?: Record<string, unknown>;
  cause?: unknown;
}

export abstract class AppError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  readonly reasons: Reason[];
  readonly fields: Record<string, string> | undefined;
  readonly context: Record<string, unknown> | undefined;

  constructor(message: string, opts: AppErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.reasons = opts.reasons ?? [];
    this.fields = opts.fields;
    this.context = opts.context;
  }
}

export class UnauthenticatedError extends AppError {
  readonly code = 'UNAUTHENTICATED';
  readonly status = 401;
}
export class ForbiddenError extends AppError {
  readonly code = 'FORBIDDEN';
  readonly status = 403;
}
export class NotFoundError extends AppError {
  readonly code = 'NOT_FOUND';
  readonly status = 404;
}
export class EventNotAllowedError extends AppError {
  readonly code = 'EVENT_NOT_ALLOWED';
  readonly status = 409;
}
export class InsufficientBudgetError extends AppError {
  readonly code = 'INSUFFICIENT_BUDGET';
  readonly status = 409;
}
export class ConflictError extends AppError {
  readonly code = 'CONFLICT';
  readonly status = 409;
}
export class VersionConflictError extends AppError {
  readonly code = 'VERSION_CONFLICT';
  readonly status = 412;
}
export class InvalidError extends AppError {
  readonly code = 'INVALID';
  readonly status = 422;
}
export class RateLimitedError extends AppError {
  readonly code = 'RATE_LIMITED';
  readonly status = 429;
}
/** A stored snapshot whose workflow version has no migration: refused, never misread. */
export class WorkflowVersionError extends AppError {
  readonly code = 'WORKFLOW_VERSION';
  readonly status = 409;
}

/** For `.catch`: a NotFoundError becomes undefined (a removed place or vendor keeps its id); any other error is thrown on. */
export function undefinedIfNotFound(err: unknown): undefined {
  if (err instanceof NotFoundError) return undefined;
  throw err;
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

// ── zod at the edge ──
// The one place a zod failure becomes an InvalidError (issue 8 item 5). Every issue names its field
// (the dotted path, '_' for the input as a whole) with an i18n key, never zod's English text, so a
// zh-CN answer is Chinese throughout. A schema's own message is kept when it is a key
// ('validation.required', 'profile.chooseLang' …).

type ZodIssue = z.core.$ZodIssue;

const KEY_RE = /^[A-Za-z][\w-]*(\.[\w-]+)+$/;

function received(issue: ZodIssue): 'undefined' | 'other' {
  if ('input' in issue) return issue.input === undefined ? 'undefined' : 'other';
  return /received undefined$/.test(issue.message) ? 'undefined' : 'other';
}

/** The i18n key for one zod issue (keys live in src/locales/<lang>/{common,projects}.json, validation.*). */
export function issueKey(issue: ZodIssue): string {
  if (KEY_RE.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      if (received(issue) === 'undefined') return 'validation.required';
      if (issue.expected === 'int') return 'validation.integer';
      if (issue.expected === 'number' || issue.expected === 'bigint') return 'validation.number';
      if (issue.expected === 'string') return 'validation.string';
      if (issue.expected === 'boolean') return 'validation.boolean';
      if (issue.expected === 'date') return 'validation.date';
      return 'validation.invalid';
    case 'too_big':
      if (issue.origin === 'string') return 'validation.too_long';
      if (issue.origin === 'array' || issue.origin === 'set') return 'validation.too_many';
      return 'validation.too_big';
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'validation.required' : 'validation.too_short';
      if (issue.origin === 'array' || issue.origin === 'set') return 'validation.min_items';
      if (Number(issue.minimum) === 0) return issue.inclusive ? 'validation.non_negative' : 'validation.positive';
      return 'validation.too_small';
    case 'invalid_format':
      if (issue.format === 'email') return 'validation.email';
      if (issue.format === 'date') return 'validation.date';
      if (issue.format === 'datetime') return 'validation.datetime';
      return 'validation.invalid';
    case 'invalid_value':
      return 'validation.enum';
    case 'unrecognized_keys':
      return 'validation.unknownField';
    default:
      return 'validation.invalid';
  }
}

/** A ZodError's issues as InvalidError fields: {path: i18n key}, the first issue of each field winning. */
export function zodFields(err: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of err.issues) {
    const base = issue.path.map(String).join('.');
    // An unknown key is named itself, not the object that holds it.
    const names = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => (base ? `${base}.${k}` : k)) : [base || '_'];
    for (const name of names) fields[name] ??= issueKey(issue);
  }
  return fields;
}

export function invalidFromZod(err: z.ZodError, message = 'invalid input'): InvalidError {
  return new InvalidError(message, { fields: zodFields(err), cause: err });
}

/** schema.parse(value), but a failure is a 422 INVALID naming each field, never a ZodError (a 500). */
export function parseOr422<S extends z.ZodType>(schema: S, value: unknown, message?: string): z.output<S> {
  const p = schema.safeParse(value);
  if (!p.success) throw invalidFromZod(p.error, message);
  return p.data;
}
