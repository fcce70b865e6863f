// Uploaded documents and photos (minutes, quotes, contracts, delivery evidence, acceptance
// reports). Content-addressed: the id is the sha256 of the bytes as first stored, the file is stored
// under config.uploadDir by that name, and the type is decided by the bytes themselves (never by the
// browser's claim). Images are re-encoded before anything is stored (images.ts: upright, at most
// 2048 px, no EXIF/XMP/IPTC, the capture time kept as a field), in memory and before any transaction;
// the original is never written. Images stored before that are scrubbed in place (`scrub`): the id
// stays, the bytes under it change, and documents.content_sha256 with a document_replacements row
// says what the current bytes are and what they replaced. An upload is pending: recorded for its uploader (document_uploads) and linked
// to nothing. The event that names it, once accepted, links it to its project in the transition's
// transaction (projects/project-repo.ts syncReadModel); a refused event links nothing, and what
// nothing links within 24 hours is swept away. A document may be read by its uploaders and by anyone
// who may see it on a project it is linked to. Each user has a quota of pending bytes and a rate.
import { cleanFilename } from './filename.js';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { AppError, InvalidError, NotFoundError, RateLimitedError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Db } from '../lib/db.js';
import type { User } from '../auth/users.js';
import type { ProjectService } from '../projects/project-service.js';
import { isDocumentId, referencedDocuments } from './refs.js';
import { DOCUMENT_KINDS, type DocumentKind } from '../../workflows/project/project.rules.js';
import { isHeif, needsReencoding, reencodeImage, type ImageMime } from './images.js';

export { isDocumentId, referencedDocuments };

/** 10 MB: a stored document (a PDF as sent, an image after re-encoding); larger ones are refused (PROGRAMME: evidence photos). */
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
/** 30 MB: an image as it arrives (a 50-megapixel phone photo), before re-encoding; the upload parsers' per-file limit. */
export const MAX_IMAGE_UPLOAD_BYTES = 30 * 1024 * 1024;
export const MAX_FILES_PER_FORM = 10;
export const DOCUMENT_TYPES = ['application/pdf', 'image/jpeg', 'image/png', 'image/webp'] as const;
export type DocumentMime = (typeof DOCUMENT_TYPES)[number];

export class FileTooLargeError extends AppError {
  readonly code = 'FILE_TOO_LARGE';
  readonly status = 413;
}
/** The user's pending uploads (linked to nothing yet) would exceed UPLOAD_PENDING_QUOTA_MB. */
export class UploadQuotaError extends AppError {
  readonly code = 'UPLOAD_QUOTA_EXCEEDED';
  readonly status = 413;
}
/** How long an upload may wait for an event to link it before the sweep deletes it. */
export const PENDING_TTL_MS = 24 * 60 * 60 * 1000;
/** Documents the sweep looks at per query. */
export const SWEEP_BATCH = 2_000;
const HOUR_MS = 60 * 60 * 1000;
export class UnsupportedFileError extends AppError {
  readonly code = 'UNSUPPORTED_FILE_TYPE';
  readonly status = 415;
}
/** A HEIC/HEIF photo picked raw from a file manager (iOS itself sends JPEG to web forms): 422, with how to send it. */
export class HeicRefusedError extends AppError {
  readonly code = 'HEIC_NOT_ACCEPTED';
  readonly status = 422;
}

/** The type by magic number: PDF, JPEG, PNG or WebP; anything else is refused. */
export function sniffMime(buf: Buffer): DocumentMime | null {
  if (buf.length >= 5 && buf.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'image/jpeg';
  if (buf.length >= 8 && buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (buf.length >= 12 && buf.subarray(0, 4).toString('latin1') === 'RIFF' && buf.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return null;
}

/**
 * The kind an uploader names for an upload (the project file, 一项目一档案), e.g. an invoice or a fund
 * statement attached to a payment or a comment; absent or empty: none. Anything else is refused (422).
 */
export function parseDocumentKind(v: unknown, field = 'kind'): DocumentKind | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string' && (DOCUMENT_KINDS as readonly string[]).includes(v)) return v as DocumentKind;
  throw new InvalidError('unknown document kind', { fields: { [field]: 'validation.enum' } });
}

export interface UploadedFile {
  field: string;
  originalname: string;
  buffer: Buffer;
  size: number;
}

export interface DocumentMeta {
  id: string;
  filename: string;
  mime: DocumentMime;
  size: number;
  uploadedBy: string;
  uploadedAt: string;
  /** sha256 of the bytes served under the id now: the id itself, unless `scrub` re-encoded them */
  sha256: string;
  /** when a photo was taken (EXIF DateTimeOriginal, UTC ISO), read before its metadata was removed */
  capturedAt: string | null;
}

const toMeta = (r: Record<string, unknown>): DocumentMeta => ({
  id: r.id as string, filename: r.filename as string, mime: r.mime as DocumentMime, size: Number(r.size),
  uploadedBy: r.uploaded_by as string, uploadedAt: r.uploaded_at as string,
  sha256: (r.content_sha256 as string | null | undefined) ?? (r.id as string), capturedAt: (r.captured_at as string | null | undefined) ?? null,
});

/** A file of a form as it will be stored: PDFs as sent, images re-encoded. */
interface Prepared {
  field: string;
  originalname: string;
  id: string;
  buffer: Buffer;
  mime: DocumentMime;
  capturedAt: string | null;
}

const sha256 = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');

/**
 * Checks one uploaded file and makes it what is stored: a PDF unchanged (at most 10 MB), an image
 * re-encoded (images.ts; at most 30 MB as sent, 10 MB as stored). HEIC is refused with its own
 * message (422), other types 415. Runs before any transaction: re-encoding takes a while.
 */
export async function prepareUpload(f: UploadedFile): Promise<Prepared> {
  const field = { fields: { [f.field]: 'validation.fileTooLarge' } };
  if (isHeif(f.buffer)) throw new HeicRefusedError('HEIC/HEIF photos are not accepted: send JPEG (iOS does when a photo is chosen in a web form)', { fields: { [f.field]: 'validation.heic' } });
  const mime = sniffMime(f.buffer);
  if (!mime) throw new UnsupportedFileError('unsupported file type', { fields: { [f.field]: 'validation.fileType' } });
  if (mime === 'application/pdf') {
    if (f.buffer.length > MAX_DOCUMENT_BYTES) throw new FileTooLargeError('file too large', field);
    return { field: f.field, originalname: f.originalname, id: sha256(f.buffer), buffer: f.buffer, mime, capturedAt: null };
  }
  if (f.buffer.length > MAX_IMAGE_UPLOAD_BYTES) throw new FileTooLargeError('file too large', field);
  let image;
  try {
    image = await reencodeImage(f.buffer, mime as ImageMime);
  } catch (err) {
    // bytes that start like an image but cannot be decoded
    throw new UnsupportedFileError('unreadable image', { fields: { [f.field]: 'validation.fileType' }, cause: err });
  }
  if (image.buffer.length > MAX_DOCUMENT_BYTES) throw new FileTooLargeError('file too large after re-encoding', field);
  return { field: f.field, originalname: f.originalname, id: sha256(image.buffer), buffer: image.buffer, mime, capturedAt: image.capturedAt };
}

export interface UploadLimits {
  /** bytes of pending uploads one user may hold (default 200 MB) */
  pendingQuotaBytes: number;
  /** files one user may upload per hour (default 60) */
  perHour: number;
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = { pendingQuotaBytes: 200 * 1024 * 1024, perHour: 60 };

export function createDocumentService(deps: { db: Db; clock: Clock; uploadDir: string; projects: ProjectService; limits?: UploadLimits; sweepBatch?: number }) {
  const { db, clock, uploadDir, projects } = deps;
  const limits = deps.limits ?? DEFAULT_UPLOAD_LIMITS;

  async function writeOnce(id: string, buf: Buffer): Promise<void> {
    await fs.mkdir(uploadDir, { recursive: true });
    const file = path.join(uploadDir, id);
    try {
      await fs.access(file);
      return; // same bytes already stored
    } catch {
      await replaceFile(file, buf);
    }
  }

  /** Writes to a temporary name and renames: a crash never leaves half a file under the id. */
  async function replaceFile(file: string, buf: Buffer): Promise<void> {
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await fs.writeFile(tmp, buf, { mode: 0o600 });
    await fs.rename(tmp, file);
  }

  /**
   * Bytes this user holds in pending uploads (documents no project links yet). An upload older than
   * PENDING_TTL_MS is the sweep's to delete and counts no more; the bound keeps the query to the
   * user's recent uploads (index user_id, uploaded_at), not every file a vendor uploaded in ten years.
   */
  async function pendingBytes(userId: string): Promise<number> {
    const now = clock.now().getTime();
    const r = await db('document_uploads as u')
      .where('u.user_id', userId)
      .andWhere('u.uploaded_at', '>', new Date(now - PENDING_TTL_MS).toISOString())
      .andWhere('u.uploaded_at', '<=', new Date(now).toISOString())
      .whereNotExists((q) => q.select('l.document_id').from('document_links as l').whereRaw('l.document_id = u.document_id'))
      .sum({ n: 'u.size' })
      .first();
    return Number(r?.n ?? 0);
  }

  /** Files this user uploaded in the last hour. */
  async function recentUploads(userId: string): Promise<number> {
    const now = clock.now().getTime();
    const r = await db('document_uploads').where('user_id', userId).andWhere('uploaded_at', '>', new Date(now - HOUR_MS).toISOString()).andWhere('uploaded_at', '<=', new Date(now).toISOString()).count({ n: '*' }).first();
    return Number(r?.n ?? 0);
  }

  /**
   * Checks and stores the files of one form as pending uploads of this user, linked to nothing.
   * Returns the ids per form field, in upload order. Refuses the whole form if one file is too large
   * or of a wrong type (413, 415), if it would take the user's pending uploads past the quota (413),
   * or the user's uploads in the last hour past the rate (429).
   */
  async function store(user: User, uploaded: UploadedFile[], opts: { kind?: DocumentKind } = {}): Promise<Record<string, string[]>> {
    // every file checked and re-encoded first, one after the other (memory), and outside any transaction
    const files: Prepared[] = [];
    for (const f of uploaded) files.push(await prepareUpload(f));
    if (files.length === 0) return {};
    const field = files[0]!.field;
    if ((await recentUploads(user.id)) + files.length > limits.perHour) {
      throw new RateLimitedError(`at most ${limits.perHour} files an hour`, { fields: { [field]: 'validation.uploadRate' } });
    }
    const adding = files.reduce((n, f) => n + f.buffer.length, 0);
    if ((await pendingBytes(user.id)) + adding > limits.pendingQuotaBytes) {
      throw new UploadQuotaError(`pending uploads would exceed ${limits.pendingQuotaBytes} bytes`, { fields: { [field]: 'validation.uploadQuota' } });
    }
    const out: Record<string, string[]> = {};
    const at = clock.now().toISOString();
    for (const f of files) {
      const id = f.id;
      await writeOnce(id, f.buffer);
      await db.transaction(async (trx) => {
        if (!(await trx('documents').where({ id }).first('id'))) {
          await trx('documents').insert({
            id, filename: cleanFilename(f.originalname), mime: f.mime, size: f.buffer.length, uploaded_by: user.id, uploaded_at: at,
            content_sha256: id, captured_at: f.capturedAt,
          });
        }
        // the kind the uploader names (if any) goes with the upload, and with the link an event makes
        const kind = opts.kind ? { kind: opts.kind } : {};
        const n = await trx('document_uploads').where({ document_id: id, user_id: user.id }).update({ uploaded_at: at, ...kind });
        if (n === 0) await trx('document_uploads').insert({ document_id: id, user_id: user.id, size: f.buffer.length, uploaded_at: at, ...kind });
      });
      (out[f.field] ??= []).push(id);
    }
    return out;
  }

  /** The files of one page form, for a project the user may read: pending uploads (see `store`). */
  async function storeForProject(user: User, projectId: string, files: UploadedFile[], opts: { kind?: DocumentKind } = {}): Promise<Record<string, string[]>> {
    await projects.readable(user, projectId);
    return store(user, files, opts);
  }

  /**
   * Deletes the pending documents nothing linked within 24 hours of their last upload: their rows
   * and their files. Returns how many were deleted.
   */
  async function sweep(): Promise<number> {
    const cutoff = new Date(clock.now().getTime() - PENDING_TTL_MS).toISOString();
    const unlinked = (q: ReturnType<Db>) =>
      q.whereNotExists((s) => s.select('l.document_id').from('document_links as l').whereRaw('l.document_id = d.id'))
        .whereNotExists((s) => s.select('u.document_id').from('document_uploads as u').whereRaw('u.document_id = d.id').andWhere('u.uploaded_at', '>', cutoff))
        .andWhere('d.uploaded_at', '<=', cutoff);
    // In batches along the primary key: every document is looked at (a pending one can be of any
    // age), but no query holds the one SQLite connection, nor the event loop, for long (a city's
    // hundreds of thousands of documents in one query blocked the server for seconds every hour).
    const batch = deps.sweepBatch ?? SWEEP_BATCH;
    const ids: string[] = [];
    for (let after = '';;) {
      // the batch's last id: the range (after, end] is read along the key
      const end = (await db('documents').where('id', '>', after).orderBy('id').offset(batch - 1).first('id'))?.id as string | undefined;
      const range = unlinked(db('documents as d')).andWhere('d.id', '>', after);
      ids.push(...(await (end === undefined ? range : range.andWhere('d.id', '<=', end)).select('d.id')).map((r: { id: string }) => r.id));
      if (end === undefined) break;
      after = end;
    }
    let deleted = 0;
    for (const id of ids) {
      const gone = await db.transaction(async (trx) => {
        // checked again inside the transaction: an event may have linked it meanwhile
        if (!(await unlinked(trx('documents as d')).where('d.id', id).first('d.id'))) return false;
        await trx('document_uploads').where({ document_id: id }).delete();
        await trx('documents').where({ id }).delete();
        return true;
      });
      if (!gone) continue;
      deleted++;
      await fs.rm(path.join(uploadDir, id), { force: true });
    }
    return deleted;
  }

  /**
   * A document this user may read, with the path of its bytes; 404 otherwise (existence is not
   * disclosed). Its uploader may; anyone else only where the document shows in what the presenter
   * lets them read of a project it is linked to. So a quote's attachments follow the quote: sealed
   * from everyone but the quoting vendor until the deadline, from other vendors and the public until
   * the award (projects/project-presenter.ts decides, here as on the timeline).
   */
  async function open(user: User, id: string): Promise<{ meta: DocumentMeta; file: string }> {
    if (!isDocumentId(id)) throw new NotFoundError('no such document');
    const row = await db('documents').where({ id }).first();
    if (!row) throw new NotFoundError('no such document');
    const meta = toMeta(row);
    // its uploaders; a pending document (linked to nothing) no one else
    let allowed = meta.uploadedBy === user.id || Boolean(await db('document_uploads').where({ document_id: id, user_id: user.id }).first('document_id'));
    if (!allowed) {
      const links = await db('document_links').where({ document_id: id }).select('project_id');
      for (const l of links) {
        const history = await projects.history(user, l.project_id as string).catch(() => []);
        if (history.some((h) => referencedDocuments(h.payload).includes(id))) {
          allowed = true;
          break;
        }
      }
    }
    if (!allowed) throw new NotFoundError('no such document');
    return { meta, file: path.join(uploadDir, id) };
  }

  /**
   * Of these ids, the documents this user uploaded (a refused page form carries its uploads back in
   * hidden inputs, and a second try may use them without sending the files again). Someone else's
   * upload, or one the sweep deleted, is not among them.
   */
  async function uploadsOf(user: User, ids: string[]): Promise<Map<string, DocumentMeta>> {
    const wanted = [...new Set(ids.filter(isDocumentId))];
    if (wanted.length === 0) return new Map();
    const rows = await db('documents as d').join('document_uploads as u', 'u.document_id', 'd.id')
      .where('u.user_id', user.id).whereIn('d.id', wanted).select('d.*');
    return new Map(rows.map((r: Record<string, unknown>) => [r.id as string, toMeta(r)]));
  }

  /** Names and types of documents by id, for timelines (only ids that exist). */
  async function describe(ids: string[]): Promise<Map<string, DocumentMeta>> {
    const wanted = [...new Set(ids.filter(isDocumentId))];
    if (wanted.length === 0) return new Map();
    const rows = await db('documents').whereIn('id', wanted);
    return new Map(rows.map((r) => [r.id as string, toMeta(r)]));
  }

  /**
   * Re-encodes the stored images that still carry metadata (EXIF, XMP, IPTC), are not upright or
   * are larger than 2048 px (all images with `all`), as uploads are now (images.ts). The id stays,
   * so history rows keep naming the same documents; the new bytes replace the file under it, and
   * the row gets the current content hash and size (and the capture time, if it had none), with a
   * document_replacements row (old and new hash, when, why). Re-encoding happens outside any
   * transaction. A file whose bytes no longer match the recorded hash (a scrub interrupted between
   * the file and the row) has its row brought up to date. Returns how many documents were replaced.
   */
  async function scrub(opts: { all?: boolean; reason?: string } = {}): Promise<{ checked: number; replaced: number; missing: number; unreadable: string[] }> {
    const rows = (await db('documents').whereIn('mime', ['image/jpeg', 'image/png', 'image/webp']).orderBy('id')
      .select('id', 'mime', 'content_sha256', 'captured_at')) as Array<{ id: string; mime: ImageMime; content_sha256: string | null; captured_at: string | null }>;
    let replaced = 0;
    let missing = 0;
    const unreadable: string[] = [];
    for (const row of rows) {
      const file = path.join(uploadDir, row.id);
      let current: Buffer;
      try {
        current = await fs.readFile(file);
      } catch {
        missing++;
        continue;
      }
      const currentHash = sha256(current);
      const recorded = row.content_sha256 ?? row.id;
      const needed = opts.all || (await needsReencoding(current));
      let next = current;
      let capturedAt = row.captured_at;
      if (needed) {
        let image;
        try {
          image = await reencodeImage(current, row.mime);
        } catch {
          unreadable.push(row.id); // left as it is, and named to the operator
          continue;
        }
        next = image.buffer;
        capturedAt ??= image.capturedAt;
      }
      const nextHash = sha256(next);
      if (nextHash === recorded && nextHash === currentHash) continue;
      if (nextHash !== currentHash) await replaceFile(file, next);
      const at = clock.now().toISOString();
      await db.transaction(async (trx) => {
        await trx('documents').where({ id: row.id }).update({ content_sha256: nextHash, size: next.length, captured_at: capturedAt });
        await trx('document_uploads').where({ document_id: row.id }).update({ size: next.length });
        await trx('document_replacements').insert({
          document_id: row.id, old_sha256: recorded, new_sha256: nextHash, old_size: current.length, new_size: next.length, replaced_at: at,
          reason: nextHash === currentHash ? 'resync' : (opts.reason ?? 'metadata removed'),
        });
      });
      replaced++;
    }
    return { checked: rows.length, replaced, missing, unreadable };
  }

  return { store, storeForProject, sweep, open, describe, uploadsOf, pendingBytes, scrub };
}

export type DocumentService = ReturnType<typeof createDocumentService>;

/** Thrown by the upload parser for a form that is not what the page sent (too many files, unknown field). */
export function badUpload(): InvalidError {
  return new InvalidError('unexpected upload', { fields: { attachments: 'validation.upload' } });
}
