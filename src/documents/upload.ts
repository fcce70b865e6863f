// Parses a multipart form (multer, memory storage) into the body and its files, with the limits of
// the document service. A request that is not multipart passes through untouched. Multer's own
// errors become the service's errors, so a page can show them next to the file field.
import type { Request, Response } from 'express';
import multer from 'multer';
import { FileTooLargeError, MAX_DOCUMENT_BYTES, MAX_FILES_PER_FORM, badUpload, type UploadedFile } from './document-service.js';

const FILE_FIELDS = ['evidence', 'minutesFile', 'attachments'] as const;

const parser = multer({
  storage: multer.memoryStorage(),
  // UTF-8 file names (Chinese names from phones and PCs), never latin1 mojibake
  defParamCharset: 'utf8',
  limits: { fileSize: MAX_DOCUMENT_BYTES, files: MAX_FILES_PER_FORM, fields: 1000, fieldSize: 100_000, parts: 1100 },
}).fields(FILE_FIELDS.map((name) => ({ name, maxCount: MAX_FILES_PER_FORM })));

export function parseUpload(req: Request, res: Response): Promise<UploadedFile[]> {
  return new Promise((resolve, reject) => {
    parser(req, res, (err?: unknown) => {
      if (err instanceof multer.MulterError) {
        if (err.code === 'LIMIT_FILE_SIZE') return reject(new FileTooLargeError('file too large', { fields: { [err.field ?? 'attachments']: 'validation.fileTooLarge' } }));
        return reject(badUpload());
      }
      if (err) return reject(err);
      const files = (req.files ?? {}) as Record<string, Express.Multer.File[]>;
      resolve(Object.entries(files).flatMap(([field, list]) => list.filter((f) => f.size > 0).map((f) => ({ field, originalname: f.originalname, buffer: f.buffer, size: f.size }))));
    });
  });
}
