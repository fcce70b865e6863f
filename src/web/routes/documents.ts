// GET /documents/:id — an uploaded document for a signed-in user who may read a project it belongs
// to (or who uploaded it). Served with the type decided at upload (from the bytes), nosniff, and a
// sandboxing CSP; images open in the browser, PDFs download.
import express from 'express';
import { page, requireRole } from '../render.js';
import type { Deps } from '../../deps.js';
import { servedFilename } from '../../documents/filename.js';

function disposition(kind: 'inline' | 'attachment', filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export function documentRoutes(deps: Deps): express.Router {
  const r = express.Router();
  r.get('/documents/:id', requireRole(), page(async (req, res) => {
    const { meta, file } = await deps.services.documents.open(req.user!, String(req.params.id));
    res.setHeader('Content-Type', meta.mime);
    res.setHeader('Content-Disposition', disposition(meta.mime.startsWith('image/') ? 'inline' : 'attachment', servedFilename(meta.filename, meta.mime)));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox");
    // content-addressed, but `documents scrub` may replace an old photo's bytes (same id, new
    // content hash), and the reader's right may change: cached for an hour, tagged by the content
    res.setHeader('Cache-Control', 'private, max-age=3600');
    res.setHeader('ETag', `"${meta.sha256}"`);
    await new Promise<void>((resolve, reject) => res.sendFile(file, { dotfiles: 'deny', headers: {} }, (err) => (err ? reject(err) : resolve())));
  }));
  return r;
}
