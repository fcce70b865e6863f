// Uploads for API clients: POST /api/v1/documents (multipart, one or more files in the field
// `file`). Each file is stored as a pending document of the caller, linked to nothing until an
// accepted event names its id (evidence, attachments, minutes); unlinked after 24 hours, it is deleted.
import express from 'express';
import type { Deps } from '../../deps.js';
import { InvalidError } from '../../errors.js';
import { sniffMime } from '../../documents/document-service.js';
import { cleanFilename } from '../../documents/filename.js';
import { parseApiUpload } from '../../documents/upload.js';
import { h } from '../handler.js';

export function documentRoutes(deps: Deps): express.Router {
  const { documents } = deps.services;
  const r = express.Router();
  r.post('/documents', h(async (req, res) => {
    const files = await parseApiUpload(req, res);
    if (files.length === 0) throw new InvalidError('send one or more files in the multipart field "file"', { fields: { file: 'validation.required' } });
    const ids = (await documents.store(req.user!, files)).file ?? [];
    res.status(201).json({
      documents: files.map((f, i) => ({ id: ids[i]!, filename: cleanFilename(f.originalname), mime: sniffMime(f.buffer)!, size: f.buffer.length })),
    });
  }));
  return r;
}
