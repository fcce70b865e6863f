// Parsing of route parameters and form fields that never turns bad input into a 500: an id that
// cannot exist is a 404, a malformed field is an empty one (the service then says what is missing).
import type { Request } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../errors.js';

export function idParam(req: Request, name = 'id'): string {
  const v = req.params[name];
  if (typeof v !== 'string' || v.length === 0 || v.length > 100) throw new NotFoundError('no such page');
  return v;
}

/** A text field from a form: the first value if repeated, '' when absent or not text. */
export const field = (max = 5000) => z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.string().max(max)).catch('');
/** A field that may repeat (checkboxes): always an array of strings. */
export const fieldList = () => z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().max(200)).max(50)).catch([]);
