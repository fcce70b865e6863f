// Parses a multipart form (multer, memory storage) into the body and its files, with the limits of
// the document service. Files stay in memory (never a temporary file: an original photo, with its
// GPS position, must not touch the disk). The per-file limit is the one for images as they arrive
// (30 MB, a 50-megapixel photo); the document service then holds PDFs to 10 MB, and images to 10 MB
// after re-encoding. A request that is not multipart passes through untouched. Multer's own
// errors become the service's errors, so a page can show them next to the file field.
import type { Request, Response } from 'express';
import multer from 'multer';
import { AppError, InvalidError } from '../errors.js';
import { FileTooLargeError, MAX_FILES_PER_FORM, MAX_IMAGE_UPLOAD_BYTES, badUpload, type UploadedFile } from './document-service.js';

/** A multipart body that cannot be read (no boundary, truncated, a malformed part header): the client's error. */
export class MalformedUploadError extends AppError {
  readonly code = 'BAD_REQUEST';
  readonly status = 400;
}

const FILE_FIELDS = ['evidence', 'minutesFile', 'attachments'] as const;

const parser = multer({
  storage: multer.memoryStorage(),
  // UTF-8 file names (Chinese names from phones and PCs), never latin1 mojibake
  defParamCharset: 'utf8',
  limits: { fileSize: MAX_IMAGE_UPLOAD_BYTES, files: MAX_FILES_PER_FORM, fields: 1000, fieldSize: 100_000, parts: 1100 },
}).fields(FILE_FIELDS.map((name) => ({ name, maxCount: MAX_FILES_PER_FORM })));

export function parseUpload(req: Request, res: Response): Promise<UploadedFile[]> {
  return new Promise((resolve, reject) => {
    parser(req, res, (err?: unknown) => {
      if (err instanceof multer.MulterError) {
        if (err.code === 'LIMIT_FILE_SIZE') return reject(new FileTooLargeError('file too large', { fields: { [err.field ?? 'attachments']: 'validation.fileTooLarge' } }));
        return reject(badUpload());
      }
      // busboy's parse errors (no boundary, unexpected end of form, bad part headers) are plain Errors.
      if (err) return reject(new MalformedUploadError('malformed multipart body', { fields: { attachments: 'validation.upload' }, cause: err }));
      const files = (req.files ?? {}) as Record<string, Express.Multer.File[]>;
      resolve(Object.entries(files).flatMap(([field, list]) => list.filter((f) => f.size > 0).map((f) => ({ field, originalname: f.originalname, buffer: f.buffer, size: f.size }))));
    });
  });
}

// The JSON API's upload (POST /api/v1/documents): one or more files in the field `file`.
const apiParser = multer({
  storage: multer.memoryStorage(),
  defParamCharset: 'utf8',
  limits: { fileSize: MAX_IMAGE_UPLOAD_BYTES, files: MAX_FILES_PER_FORM, fields: 10, fieldSize: 1000, parts: MAX_FILES_PER_FORM + 10 },
}).fields([{ name: 'file', maxCount: MAX_FILES_PER_FORM }]);

export function parseApiUpload(req: Request, res: Response): Promise<UploadedFile[]> {
  return new Promise((resolve, reject) => {
    apiParser(req, res, (err?: unknown) => {
      if (err instanceof multer.MulterError) {
        if (err.code === 'LIMIT_FILE_SIZE') return reject(new FileTooLargeError('file too large', { fields: { file: 'validation.fileTooLarge' } }));
        return reject(new InvalidError('unexpected upload: send one or more files in the field "file"', { fields: { file: 'validation.upload' } }));
      }
      if (err) return reject(new InvalidError('malformed multipart body', { fields: { file: 'validation.upload' }, cause: err }));
      const files = ((req.files ?? {}) as Record<string, Express.Multer.File[]>).file ?? [];
      resolve(files.filter((f) => f.size > 0).map((f) => ({ field: 'file', originalname: f.originalname, buffer: f.buffer, size: f.size })));
    });
  });
}
