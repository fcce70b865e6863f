// Uploaded documents and photos (minutes, quotes, contracts, delivery evidence, acceptance
// reports). Content-addressed: the id is the sha256 of the bytes, the file is stored under
// config.uploadDir by that name, and the type is decided by the bytes themselves (never by the
// browser's claim). Every upload is made for one project; a document may be read by its uploader
// and by anyone who may read a project it is linked to (document_links).
import fs from 'node:fs/promises';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { AppError, InvalidError, NotFoundError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Db } from '../lib/db.js';
import type { User } from '../auth/users.js';
import type { ProjectService } from '../projects/project-service.js';

/** 10 MB: a phone photo or a scanned contract; larger files are refused (PROGRAMME: evidence photos). */
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
export const MAX_FILES_PER_FORM = 10;
export const DOCUMENT_TYPES = ['application/pdf', 'image/jpeg', 'image/png', 'image/webp'] as const;
export type DocumentMime = (typeof DOCUMENT_TYPES)[number];

export class FileTooLargeError extends AppError {
  readonly code = 'FILE_TOO_LARGE';
  readonly status = 413;
}
export class UnsupportedFileError extends AppError {
  readonly code = 'UNSUPPORTED_FILE_TYPE';
  readonly status = 415;
}

/** The type by magic number: PDF, JPEG, PNG or WebP; anything else is refused. */
export function sniffMime(buf: Buffer): DocumentMime | null {
  if (buf.length >= 5 && buf.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'image/jpeg';
  if (buf.length >= 8 && buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (buf.length >= 12 && buf.subarray(0, 4).toString('latin1') === 'RIFF' && buf.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return null;
}

/** A file name safe to show and to put in Content-Disposition: no path, no control characters. */
export function cleanFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex -- removing control characters from file names is the point
  const clean = base.replace(/[\u0000-\u001f\u007f"<>]/g, '').trim().slice(0, 200);
  return clean || 'document';
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
}

const toMeta = (r: Record<string, unknown>): DocumentMeta => ({
  id: r.id as string, filename: r.filename as string, mime: r.mime as DocumentMime, size: Number(r.size),
  uploadedBy: r.uploaded_by as string, uploadedAt: r.uploaded_at as string,
});

export const isDocumentId = (s: unknown): s is string => typeof s === 'string' && /^[0-9a-f]{64}$/.test(s);

/** Every document id an event's payload references (evidence, attachments, minutes given as a document). */
export function referencedDocuments(payload: Record<string, unknown>): string[] {
  const ids: string[] = [];
  for (const k of ['evidence', 'attachments']) if (Array.isArray(payload[k])) ids.push(...(payload[k] as unknown[]).filter(isDocumentId));
  if (isDocumentId(payload.minutes)) ids.push(payload.minutes);
  return ids;
}

export function createDocumentService(deps: { db: Db; clock: Clock; uploadDir: string; projects: ProjectService }) {
  const { db, clock, uploadDir, projects } = deps;

  async function writeOnce(id: string, buf: Buffer): Promise<void> {
    await fs.mkdir(uploadDir, { recursive: true });
    const file = path.join(uploadDir, id);
    try {
      await fs.access(file);
      return; // same bytes already stored
    } catch {
      // write to a temporary name and rename: a crash never leaves half a file under the id
      const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      await fs.writeFile(tmp, buf, { mode: 0o600 });
      await fs.rename(tmp, file);
    }
  }

  /**
   * Checks and stores the files of one form for a project the user may read. Returns the ids per
   * form field, in upload order. Refuses the whole form if one file is too large or of a wrong type.
   */
  async function storeForProject(user: User, projectId: string, files: UploadedFile[]): Promise<Record<string, string[]>> {
    await projects.readable(user, projectId);
    for (const f of files) {
      if (f.size > MAX_DOCUMENT_BYTES) throw new FileTooLargeError('file too large', { fields: { [f.field]: 'validation.fileTooLarge' } });
      if (!sniffMime(f.buffer)) throw new UnsupportedFileError('unsupported file type', { fields: { [f.field]: 'validation.fileType' } });
    }
    const out: Record<string, string[]> = {};
    const at = clock.now().toISOString();
    for (const f of files) {
      const id = createHash('sha256').update(f.buffer).digest('hex');
      await writeOnce(id, f.buffer);
      await db.transaction(async (trx) => {
        if (!(await trx('documents').where({ id }).first('id'))) {
          await trx('documents').insert({ id, filename: cleanFilename(f.originalname), mime: sniffMime(f.buffer)!, size: f.size, uploaded_by: user.id, uploaded_at: at });
        }
        if (!(await trx('document_links').where({ document_id: id, project_id: projectId }).first('document_id'))) {
          await trx('document_links').insert({ document_id: id, project_id: projectId, linked_at: at });
        }
      });
      (out[f.field] ??= []).push(id);
    }
    return out;
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
    let allowed = meta.uploadedBy === user.id;
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

  /** Names and types of documents by id, for timelines (only ids that exist). */
  async function describe(ids: string[]): Promise<Map<string, DocumentMeta>> {
    const wanted = [...new Set(ids.filter(isDocumentId))];
    if (wanted.length === 0) return new Map();
    const rows = await db('documents').whereIn('id', wanted);
    return new Map(rows.map((r) => [r.id as string, toMeta(r)]));
  }

  return { storeForProject, open, describe };
}

export type DocumentService = ReturnType<typeof createDocumentService>;

/** Thrown by the upload parser for a form that is not what the page sent (too many files, unknown field). */
export function badUpload(): InvalidError {
  return new InvalidError('unexpected upload', { fields: { attachments: 'validation.upload' } });
}
