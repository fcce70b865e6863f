// The documents' side of `weishishi verify`: every document a project links (document_links →
// documents) must be in UPLOAD_DIR under its id, with the bytes its row says: the sha256 in
// content_sha256 (the current bytes after a scrub), or the id itself where that column is empty or
// absent (the id is the sha256 of the bytes as first stored). Pages through the links, and hashes
// each file as a stream, so it runs in bounded memory.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { Queryable } from '../lib/db.js';

export interface DocumentProblem {
  documentId: string;
  problem: 'missing' | 'altered';
  detail: string;
}

export interface DocumentCheck {
  checked: number;
  problems: DocumentProblem[];
}

const PAGE = 500;

/** The sha256 of a file, or null when there is none. */
export async function sha256File(file: string): Promise<string | null> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  } catch (err) {
    if (['ENOENT', 'EISDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) return null;
    throw err;
  }
  return hash.digest('hex');
}

export async function checkLinkedDocuments(db: Queryable, uploadDir: string): Promise<DocumentCheck> {
  const hasContentHash = await db.schema.hasColumn('documents', 'content_sha256');
  const out: DocumentCheck = { checked: 0, problems: [] };
  for (let after = ''; ;) {
    const rows = (await db('documents as d')
      .whereExists((q) => q.select('l.document_id').from('document_links as l').whereRaw('l.document_id = d.id'))
      .andWhere('d.id', '>', after)
      .orderBy('d.id').limit(PAGE)
      .select(['d.id', ...(hasContentHash ? ['d.content_sha256'] : [])])) as Array<{ id: string; content_sha256?: string | null }>;
    for (const r of rows) {
      out.checked++;
      const want = r.content_sha256 ?? r.id;
      // ids are sha256 hex: never a path, but checked before they become one
      const have = /^[0-9a-f]{64}$/.test(r.id) ? await sha256File(path.join(uploadDir, r.id)) : null;
      if (have === null) out.problems.push({ documentId: r.id, problem: 'missing', detail: `no file ${path.join(uploadDir, r.id)}` });
      else if (have !== want) out.problems.push({ documentId: r.id, problem: 'altered', detail: `the file's sha256 is ${have}, its row says ${want}` });
    }
    if (rows.length < PAGE) return out;
    after = rows.at(-1)!.id;
  }
}
