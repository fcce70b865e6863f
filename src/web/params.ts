// Parsing of route parameters, query strings and form fields that never turns bad input into a 500:
// an id that cannot exist is a 404; a query value that does not fit is a 422 naming the field (the
// error page); a malformed form field is an empty one (the service then says what is missing, and
// the form comes back with its errors). Zod failures become InvalidError in src/errors.ts only.
import type { Request } from 'express';
import { z } from 'zod';
import { NotFoundError, parseOr422 } from '../errors.js';

export function idParam(req: Request, name = 'id'): string {
  const v = req.params[name];
  if (typeof v !== 'string' || v.length === 0 || v.length > 100) throw new NotFoundError('no such page');
  return v;
}

/** The query string through a schema; a value that does not fit is 422 INVALID naming its field. */
export function parseQuery<S extends z.ZodType>(req: Request, schema: S): z.output<S> {
  return parseOr422(schema, req.query, 'invalid query');
}

/** A form body through a schema of field()s; a request with no form body reads as an empty form. */
export function parseForm<S extends z.ZodType>(req: Request, schema: S): z.output<S> {
  return parseOr422(schema, req.body ?? {}, 'invalid form');
}

/** An optional query value: absent or '' (a GET form's empty filter) is undefined; repeated is refused. */
export const queryText = (max: number) => z.preprocess((v) => (v === '' ? undefined : v), z.string().max(max).optional());
/** An optional year in a query string (2000–2100). */
export const queryYear = () => z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^(20\d\d|2100)$/, 'validation.year').optional());
/** An optional choice in a query string. */
export const queryChoice = <T extends string>(values: readonly [T, ...T[]]) => z.preprocess((v) => (v === '' ? undefined : v), z.enum(values).optional());

/** A text field from a form: the first value if repeated, '' when absent or not text. */
export const field = (max = 5000) => z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.string().max(max)).catch('');
/** A field that may repeat (checkboxes): always an array of strings. */
export const fieldList = () => z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().max(200)).max(50)).catch([]);
