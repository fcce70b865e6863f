// Uploads for API clients: POST /api/v1/documents (multipart, one or more files in the field
// `file`; optionally a `kind` for them, e.g. invoice). Images are stored re-encoded (upright, at most
// 2048 px, without metadata; documents/images.ts). Each file is stored as a pending document of the caller, linked to nothing until an
// accepted event names its id (evidence, attachments, minutes); unlinked after 24 hours, it is deleted.
import express from 'express';
import type { Deps } from '../../deps.js';
import { InvalidError } from '../../errors.js';
import { parseDocumentKind } from '../../documents/document-service.js';
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
    // what was stored (an image re-encoded: its type, size and capture time), not what was sent
    const stored = await documents.describe(ids);
    res.status(201).json({
      documents: ids.map((id, i) => {
        const d = stored.get(id)!;
        return { id, filename: cleanFilename(files[i]!.originalname), mime: d.mime, size: d.size, ...(d.capturedAt ? { capturedAt: d.capturedAt } : {}), ...(kind ? { kind } : {}) };
      }),
    });
  }));
  return r;
}
