/**
 * Text a person typed, checked the same way everywhere (event payloads, new projects, users,
 * reference names). zod 4 schemas whose messages are i18n keys (`validation.*`).
 *
 * Refused, after trimming:
 * - NUL and the other control characters (C0 but TAB, LF and CR; DEL; C1): they truncate text in C
 *   tools, hide content in logs and never belong in a title or a note;
 * - lone UTF-16 surrogates: not text at all, and they break UTF-8 encoders, PDFs and e-mails;
 * - text made only of invisible characters (zero-width spaces and joiners, BOM, soft hyphen …):
 *   a title that looks empty but is not;
 * - CR or LF in a one-line field (titles, names, contract and voucher numbers …): they forge lines
 *   in CSV exports, e-mail subjects and logs.
 *
 * Pure (no I/O), so the workflows use it as well as the services.
 */
import { z } from 'zod';

export const TEXT_KEYS = [
  'validation.required',
  'validation.string',
  'validation.too_long',
  'validation.text_control',
  'validation.text_surrogate',
  'validation.text_invisible',
  'validation.one_line',
] as const;
export type TextKey = (typeof TEXT_KEYS)[number];

// eslint-disable-next-line no-control-regex -- refusing control characters is what this pattern is for
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Characters that print nothing: zero-width space/non-joiner/joiner, word joiner and invisible operators, BOM, soft hyphen, Mongolian vowel separator, plus white space. */
const INVISIBLE = /^[\s\u200B-\u200D\u2060-\u2064\uFEFF\u00AD\u180E]*$/;
const LINE_BREAK = /[\r\n\u2028\u2029\u0085]/;

/** The first thing wrong with `text` (already trimmed), or null. */
export function textProblem(text: string, opts: { oneLine: boolean }): TextKey | null {
  if (LONE_SURROGATE.test(text)) return 'validation.text_surrogate';
  if (opts.oneLine && LINE_BREAK.test(text)) return 'validation.one_line';
  if (CONTROL.test(text)) return 'validation.text_control';
  if (text.length > 0 && INVISIBLE.test(text)) return 'validation.text_invisible';
  return null;
}

export interface TextOptions {
  /** longest accepted length, after trimming */
  max: number;
  /** '' accepted (default: required) */
  optional?: boolean;
  /** CR and LF refused (default: true) */
  oneLine?: boolean;
  /** the key for a value that is not a string at all (missing is always `validation.required`) */
  typeKey?: string;
}

/** A trimmed string with the checks above; `line(200)` is a required one-line field of up to 200 characters. */
export function text(opts: TextOptions) {
  const { max, optional = false, oneLine = true, typeKey = 'validation.string' } = opts;
  const base = z.string({ error: (issue) => (issue.input === undefined ? 'validation.required' : typeKey) }).trim();
  const sized = (optional ? base : base.min(1, 'validation.required')).max(max, 'validation.too_long');
  return sized.superRefine((value, ctx) => {
    const problem = textProblem(value, { oneLine });
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/** A required one-line field (title, name, number). */
export const line = (max: number, typeKey?: string) => text({ max, ...(typeKey && { typeKey }) });
/** A one-line field that may be left empty. */
export const optionalLine = (max: number, typeKey?: string) => text({ max, optional: true, ...(typeKey && { typeKey }) });
/** Required free text (reasons, descriptions, notes): line breaks allowed. */
export const paragraph = (max: number, typeKey?: string) => text({ max, oneLine: false, ...(typeKey && { typeKey }) });
/** Free text that may be left empty. */
export const optionalParagraph = (max: number, typeKey?: string) => text({ max, optional: true, oneLine: false, ...(typeKey && { typeKey }) });
