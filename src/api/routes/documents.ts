// Uploads for API clients: POST /api/v1/documents (multipart, one or more files in the field
// `file`; optionally a `kind` for them, e.g. invoice). Each file is stored as a pending document of the caller, linked to nothing until an
// accepted event names its id (evidence, attachments, minutes); unlinked after 24 hours, it is deleted.
import express from 'express';
import type { Deps } from '../../deps.js';
import { InvalidError } from '../../errors.js';
import { parseDocumentKind, sniffMime } from '../../documents/document-service.js';
import { cleanFilename } from '../../documents/filename.js';
import { parseApiUpload } from '../../documents/upload.js';
import { h } from '../handler.js';

export function documentRoutes(deps: Deps): express.Router {
  const { documents } = deps.services;
  const r = express.Router();
  r.post('/documents', h(async (req, res) => {
    const files = await parseApiUpload(req, res);
    if (files.length === 0) throw new InvalidError('send one or more files in the multipart field "file"', { fields: { file: 'validation.required' } });
    // an optional `kind` (DOCUMENT_KINDS: invoice, fund_statement …) for what the event will not imply
    const kind = parseDocumentKind((req.body as Record<string, unknown> | undefined)?.kind);
    const ids = (await documents.store(req.user!, files, kind ? { kind } : {})).file ?? [];
    res.status(201).json({
      documents: files.map((f, i) => ({ id: ids[i]!, filename: cleanFilename(f.originalname), mime: sniffMime(f.buffer)!, size: f.buffer.length, ...(kind ? { kind } : {}) })),
    });
  }));
  return r;
}
