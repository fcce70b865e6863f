// Residents rate the work themselves (issue 14 item 4; CONTEXT.md). The community prints rating
// sheets while the project is in acceptance, one single-use code each; a resident opens the code's
// page (no log-in) and gives 1–5 stars and an optional comment. What the lifecycle says (when sheets
// may be printed, when a code may be used, what the satisfaction figure is) is the workflow's
// (workflows/project/project.ratings.ts); this service keeps the codes.
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Engine } from '../engine/engine.js';
import { EventNotAllowedError, ForbiddenError, InvalidError, NotFoundError, parseOr422 } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Db, Queryable } from '../lib/db.js';
import type { User } from '../auth/users.js';
import type { ProjectService } from '../projects/project-service.js';
import { optionalParagraph } from '../../workflows/shared/text.js';
import {
  averageStars, canPrintRatingSheets, maxRatingCodes, minRatings, ratingPeriod, satisfiedOf, sharePct,
  type ProjectContext, type RatingsTally,
} from '../../workflows/project/index.js';
import { comments, countIssued, findByHash, insertCodes, tally, useCode } from './rating-repo.js';

/** No 0/O, 1/I/L: a code read off paper and typed on a phone. 31 letters, 10 of them: ~49 bits. */
export const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const CODE_LENGTH = 10;
/** The longest comment a resident may leave. */
export const MAX_COMMENT = 500;

export const newCode = (): string => Array.from({ length: CODE_LENGTH }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');
/** A code as typed: case, spaces and dashes do not matter. */
export const normaliseCode = (input: string): string => input.toUpperCase().replace(/[\s-]/g, '');
export const isCodeShape = (code: string): boolean => code.length === CODE_LENGTH && [...code].every((ch) => CODE_ALPHABET.includes(ch));
const hashCode = (code: string): string => createHash('sha256').update(`rating:${code}`).digest('hex');

export const IssueSchema = z.object({
  count: z.coerce.number({ error: 'validation.number' }).int('validation.integer').min(1, 'validation.positive').max(10_000, 'validation.too_big'),
});
export const RatingSchema = z.object({
  stars: z.coerce.number({ error: 'ratings.errors.stars' }).int('ratings.errors.stars').min(1, 'ratings.errors.stars').max(5, 'ratings.errors.stars'),
  comment: optionalParagraph(MAX_COMMENT).optional(),
});

export interface RatingServiceDeps {
  db: Db;
  /** the engine's clock: the rating period ends with the acceptance notice, an engine deadline */
  clock: Clock;
  engine: Pick<Engine, 'get' | 'load'>;
  projects: Pick<ProjectService, 'get'>;
}

/** The public facts of a rating summary: no names, no comments. */
export interface RatingSummary {
  count: number;
  average: number | null;
  satisfiedPct: number | null;
}

export function summaryOf(t: RatingsTally): RatingSummary {
  return { count: t.count, average: averageStars(t), satisfiedPct: t.count > 0 ? sharePct(satisfiedOf(t), t.count) : null };
}

export function createRatingService(deps: RatingServiceDeps) {
  const { db } = deps;

  async function lifecycle(projectId: string, q: Queryable = db) {
    const instance = await deps.engine.get(projectId, q);
    const context = deps.engine.load(instance).snapshot.context as ProjectContext;
    return { state: instance.state, context };
  }

  /** The code's row, whatever its state; an unknown or malformed code is not found. */
  async function codeRow(code: string) {
    const c = normaliseCode(code);
    const row = isCodeShape(c) ? await findByHash(db, hashCode(c)) : null;
    if (!row) throw new NotFoundError('unknown rating code', { reasons: [{ code: 'RATING_CODE_UNKNOWN' }] });
    return row;
  }

  return {
    /**
     * Prints `count` sheets for a project in acceptance (community staff of its community): the
     * plain codes, returned once and kept only as hashes. At most the rules' maximum per project.
     */
    async issue(user: User, projectId: string, input: unknown): Promise<{ codes: string[]; issued: number; max: number }> {
      if (user.role !== 'community') throw new ForbiddenError('only community staff print rating sheets', { reasons: [{ code: 'WRONG_ROLE' }] });
      await deps.projects.get(user, projectId); // scope: 403/404
      const { count } = parseOr422(IssueSchema, input, 'invalid sheet count');
      return db.transaction(async (trx) => {
        const { state, context } = await lifecycle(projectId, trx);
        if (!canPrintRatingSheets(state)) throw new EventNotAllowedError('rating sheets are printed in acceptance', { reasons: [{ code: 'RATING_SHEETS_NOT_NOW', params: { state } }] });
        const max = maxRatingCodes(context.rules);
        const issued = await countIssued(trx, projectId);
        if (issued + count > max) {
          throw new InvalidError('too many rating codes', { fields: { count: 'ratings.errors.tooMany' }, reasons: [{ code: 'TOO_MANY_RATING_CODES', params: { max, issued } }] });
        }
        const at = deps.clock.now().toISOString();
        const codes = Array.from({ length: count }, newCode);
        await insertCodes(trx, codes.map((c) => ({ id: randomUUID(), projectId, codeHash: hashCode(c), createdAt: at, createdBy: user.id })));
        return { codes, issued: issued + count, max };
      });
    },

    /** The rating page of a code: its project, and whether the code may still be used. */
    async open(code: string) {
      const row = await codeRow(code);
      const { state, context } = await lifecycle(row.projectId);
      const period = ratingPeriod(state, context, deps.clock.now().toISOString());
      return { projectId: row.projectId, title: context.title, used: row.usedAt !== null, open: period.open, endsAt: period.endsAt };
    },

    /**
     * One resident's rating. Refused (nothing recorded) for an unknown code, a code used before
     * (also when two arrive at once: one conditional UPDATE), or a project whose rating period is over.
     */
    async rate(code: string, input: unknown): Promise<{ projectId: string }> {
      const row = await codeRow(code);
      const r = parseOr422(RatingSchema, input, 'invalid rating');
      const at = deps.clock.now().toISOString();
      const { state, context } = await lifecycle(row.projectId);
      if (!ratingPeriod(state, context, at).open) throw new EventNotAllowedError('no open rating period', { reasons: [{ code: 'RATING_PERIOD_CLOSED' }] });
      if (row.usedAt !== null || !(await useCode(db, row.id, { at, stars: r.stars, comment: r.comment ?? null }))) {
        throw new EventNotAllowedError('rating code used', { reasons: [{ code: 'RATING_CODE_USED' }] });
      }
      return { projectId: row.projectId };
    },

    /** The tally as it stands, read in `q` (the engine's transaction, for RECORD_ACCEPTANCE). */
    tally: (projectId: string, q: Queryable = db) => tally(q, projectId),

    /** What the public sees: count, average and share at 4–5 stars. */
    async summary(projectId: string): Promise<RatingSummary> {
      return summaryOf(await tally(db, projectId));
    },

    /** The panel on the project page: for staff, while sheets may be printed or once some were. */
    async panel(user: User, projectId: string) {
      if (user.role === 'vendor' || user.role === 'admin') return null;
      const { state } = await lifecycle(projectId);
      if (!canPrintRatingSheets(state) && (await countIssued(db, projectId)) === 0) return null;
      return this.staffView(user, projectId);
    },

    /** What staff see: the tally, the minimum of the rules in force, codes printed, and the comments. */
    async staffView(user: User, projectId: string) {
      await deps.projects.get(user, projectId);
      if (user.role === 'vendor') throw new ForbiddenError('residents’ comments are for staff', { reasons: [{ code: 'WRONG_ROLE' }] });
      const { state, context } = await lifecycle(projectId);
      const t = await tally(db, projectId);
      return {
        tally: t, summary: summaryOf(t), issued: await countIssued(db, projectId), minRatings: minRatings(context.rules), maxCodes: maxRatingCodes(context.rules),
        canPrint: canPrintRatingSheets(state) && user.role === 'community', comments: await comments(db, projectId),
      };
    },
  };
}

export type RatingService = ReturnType<typeof createRatingService>;
