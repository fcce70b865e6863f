// View-models of the residents' ratings (issue 14 item 4): the printed sheets, the public rating
// page, the staff panel and the public summary. Templates only draw what these return.
import { t, reasonMessage, type Lang } from '../lib/i18n.js';
import { formatShanghai } from '../lib/calendar.js';
import { absoluteUrl } from '../lib/urls.js';
import { isAppError } from '../errors.js';
import { formView } from './forms/form-view.js';
import { field, type FormSpec } from './forms/form-model.js';
import type { RatingSummary } from '../ratings/rating-service.js';
import { MAX_COMMENT } from '../ratings/rating-service.js';
import type { RatingsTally } from '../../workflows/project/index.js';

const langQuery = (lang: Lang) => (lang === 'en' ? '?lang=en' : '');

/** A code as printed: two groups of five, easier to read and type. */
export const printedCode = (code: string): string => `${code.slice(0, 5)} ${code.slice(5)}`;

/** The address a resident types, and the one the QR code opens. */
export const rateAddress = (baseUrl: string): string => absoluteUrl(baseUrl, '/r');
export const codeUrl = (baseUrl: string, code: string): string => absoluteUrl(baseUrl, `/r/${code}`);

/** The stars as radio options, worst first, each with a word (not only a number of stars). */
export function starOptions(lang: Lang) {
  return [1, 2, 3, 4, 5].map((n) => ({ value: String(n), label: `${'★'.repeat(n)} ${t(lang, `ratings.stars.${n}`)}` }));
}

/** The public rating form: stars as large radio rows, an optional comment (labels `ratings.form.*`). */
export const RATING_FORM: FormSpec = {
  labels: 'ratings.form',
  hints: 'ratings.form.hints',
  fields: [field('stars', 'radios', { options: 'stars' }), field('comment', 'textarea', { optional: true, rows: 3 })],
};

/** The public rating form's model; `err` an InvalidError of the form, shown in the error summary. */
export function ratingForm(lang: Lang, o: { code: string; title: string; endsAt: string | null; values?: { stars?: unknown; comment?: unknown }; err?: unknown }) {
  const values = { stars: typeof o.values?.stars === 'string' ? o.values.stars : '', comment: typeof o.values?.comment === 'string' ? o.values.comment : '' };
  return {
    title: t(lang, 'ratings.page.title'),
    projectTitle: o.title,
    action: `/r/${encodeURIComponent(o.code)}${langQuery(lang)}`,
    endsAt: o.endsAt ? formatShanghai(o.endsAt, 'datetime') : null,
    ...formView({ lang, form: RATING_FORM, values, err: o.err, options: { stars: starOptions(lang) }, params: { max: MAX_COMMENT } }),
  };
}

/** A refused rating (used code, closed period, unknown code) as a sentence. */
export function refusalText(lang: Lang, err: unknown): string {
  const code = isAppError(err) ? err.reasons[0]?.code : undefined;
  return code ? reasonMessage(lang, code) : t(lang, 'ratings.page.refused');
}

/** The stars histogram as table rows, 5 stars first. */
function histogram(lang: Lang, tally: RatingsTally) {
  return [5, 4, 3, 2, 1].map((n) => ({ label: t(lang, `ratings.stars.${n}`), glyphs: '★'.repeat(n), count: tally.stars[n - 1] ?? 0 }));
}

/** The public summary: count, average, share at 4–5 stars (never names or comments). */
export function publicSummary(lang: Lang, s: RatingSummary) {
  if (s.count === 0) return null;
  return {
    count: s.count,
    average: s.average === null ? '' : t(lang, 'ratings.summary.average', { average: s.average.toFixed(1) }),
    satisfied: s.satisfiedPct === null ? '' : `${s.satisfiedPct}%`,
  };
}

/** The staff panel on the project page and its own page: tally, minimum, comments, the print form. */
export function staffPanel(lang: Lang, projectId: string, v: { tally: RatingsTally; summary: RatingSummary; issued: number; minRatings: number; maxCodes: number; canPrint: boolean; comments: Array<{ at: string; stars: number; comment: string }> }) {
  return {
    href: `/projects/${encodeURIComponent(projectId)}/ratings${langQuery(lang)}`,
    printAction: `/projects/${encodeURIComponent(projectId)}/ratings/sheets${langQuery(lang)}`,
    canPrint: v.canPrint,
    issued: v.issued,
    count: v.tally.count,
    average: v.summary.average === null ? '—' : v.summary.average.toFixed(1),
    satisfied: v.summary.satisfiedPct === null ? '—' : `${v.summary.satisfiedPct}%`,
    minRatings: v.minRatings,
    maxCodes: v.maxCodes,
    enough: v.tally.count >= v.minRatings,
    histogram: histogram(lang, v.tally),
    comments: v.comments.map((c) => ({ at: formatShanghai(c.at, 'datetime'), glyphs: '★'.repeat(c.stars), stars: c.stars, comment: c.comment })),
  };
}

/** The printed sheets: each with the project's title, the code, its QR code and the address to type. */
export function sheets(lang: Lang, o: { ref: string; title: string; baseUrl: string; codes: Array<{ code: string; qr: string }> }) {
  return {
    title: t(lang, 'ratings.sheets.title'),
    ref: o.ref,
    projectTitle: o.title,
    address: rateAddress(o.baseUrl),
    sheets: o.codes.map((c) => ({ code: printedCode(c.code), qr: c.qr })),
  };
}
