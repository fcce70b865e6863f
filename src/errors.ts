// Every error a user can meet has a stable code and an HTTP status. Code is never branched on message text.
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

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
