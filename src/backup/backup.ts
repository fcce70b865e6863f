// `weishishi backup FILE` and `weishishi restore FILE` for SQLite: one tar archive (gzipped when FILE
// ends in .gz or .tgz) holding db.sqlite, documents/<id> for every file a documents row names, and
// manifest.json with each one's sha256.
//
// The database is copied online with `VACUUM INTO` on a connection of its own: one read transaction,
// so the copy is the database as of one instant however much the server writes meanwhile (WAL readers
// do not block the writer, nor it them), and it never restarts as the page-by-page backup API does
// when another connection writes. The documents are listed from that copy and read afterwards: a file
// is written before its row and removed after it, and the bytes under an id change only by `documents
// scrub`, so every document the copy names is there, unless the sweep removed a pending upload since
// (skipped and reported) or a scrub replaced it since (reported: take the backup again).
//
// restore unpacks into a staging directory beside the database, checks every sha256 against the
// manifest, then moves the database into place (the one it replaces is kept as
// `<file>.before-restore-<time>`, its -wal and -shm removed) and the documents into UPLOAD_DIR. It
// refuses while a live process holds the database's lock (lock.ts).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import Database from 'better-sqlite3';
import type { DatabaseConfig } from '../config.js';
import { SQLITE_BUSY_TIMEOUT_MS } from '../lib/db.js';
import { lockForRestore } from './lock.js';
import { openTar, readTar, tarStream, type TarEntry } from './tar.js';

export const MANIFEST_FORMAT = 'weishishi-backup';
const DB_ENTRY = 'db.sqlite';
const MANIFEST_ENTRY = 'manifest.json';
const DOC_ENTRY = /^documents\/([0-9a-f]{64})$/;

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  version: 1;
  createdAt: string;
  database: { entry: string; bytes: number; sha256: string };
  /** every document stored in the archive: the sha256 of its bytes, and the one its row names */
  documents: Array<{ id: string; bytes: number; sha256: string; expected: string; linked: boolean }>;
  /** documents the copied database names whose file was not there (`linked`: a project links it) */
  missing: Array<{ id: string; linked: boolean }>;
}

export class BackupError extends Error {
  override name = 'BackupError';
}

/** What a PostgreSQL operator runs instead (printed by backup and restore). */
export function postgresAdvice(): string {
  return [
    'DATABASE_URL is PostgreSQL: back it up with its own tools, and copy UPLOAD_DIR alongside:',
    '  pg_dump -Fc "$DATABASE_URL" -f weishishi.dump          # consistent while the servers run',
    '  tar -C "$UPLOAD_DIR" -cf uploads.tar .                  # after the dump: documents are written before their rows',
    'and restore with the servers stopped:',
    '  pg_restore --clean --if-exists --no-owner -d "$DATABASE_URL" weishishi.dump',
    '  tar -C "$UPLOAD_DIR" -xf uploads.tar',
    'then run `weishishi verify`.',
  ].join('\n');
}

function sqliteFile(cfg: DatabaseConfig): string {
  if (cfg.client !== 'sqlite') throw new BackupError(postgresAdvice());
  if (cfg.filename === ':memory:') throw new BackupError('DATABASE_URL names an in-memory database: there is nothing to back up or restore');
  return path.resolve(cfg.filename);
}

export interface BackupResult {
  file: string;
  bytes: number;
  documents: number;
  missing: Manifest['missing'];
  /** documents whose bytes changed between the database copy and the file copy (a scrub ran) */
  altered: string[];
}

/** Takes a consistent online copy of the SQLite database and its documents into one archive. */
export async function createBackup(opts: { database: DatabaseConfig; uploadDir: string; file: string }): Promise<BackupResult> {
  const dbFile = sqliteFile(opts.database);
  if (!fs.existsSync(dbFile)) throw new BackupError(`no database at ${dbFile}`);
  const out = path.resolve(opts.file);
  const work = fs.mkdtempSync(path.join(path.dirname(out), '.weishishi-backup-'));
  const tmpOut = path.join(work, 'archive');
  try {
    const copy = path.join(work, DB_ENTRY);
    const source = new Database(dbFile, { fileMustExist: true });
    try {
      source.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      source.prepare('VACUUM INTO ?').run(copy);
    } finally {
      source.close();
    }

    // the documents the copy names, in id order (the archive is then the same for the same data)
    const snapshot = new Database(copy, { readonly: true, fileMustExist: true });
    let docs: Array<{ id: string; expected: string; linked: boolean }>;
    try {
      const hasContentHash = (snapshot.prepare("SELECT COUNT(*) AS n FROM pragma_table_info('documents') WHERE name = 'content_sha256'").get() as { n: number }).n > 0;
      const rows = snapshot.prepare(
        `SELECT d.id AS id, ${hasContentHash ? 'd.content_sha256' : 'NULL'} AS expected,
                EXISTS (SELECT 1 FROM document_links l WHERE l.document_id = d.id) AS linked
           FROM documents d ORDER BY d.id`,
      ).all() as Array<{ id: string; expected: string | null; linked: number }>;
      docs = rows.map((r) => ({ id: r.id, expected: r.expected ?? r.id, linked: r.linked === 1 }));
    } finally {
      snapshot.close();
    }

    const dbHash = createHash('sha256');
    const dbBytes = fs.statSync(copy).size;
    const manifest: Manifest = {
      format: MANIFEST_FORMAT, version: 1, createdAt: new Date().toISOString(),
      database: { entry: DB_ENTRY, bytes: dbBytes, sha256: '' }, documents: [], missing: [],
    };
    const altered: string[] = [];

    async function* fileBody(fh: fsp.FileHandle, hash: ReturnType<typeof createHash>): AsyncGenerator<Buffer> {
      try {
        for await (const chunk of fh.createReadStream({ autoClose: false })) {
          hash.update(chunk as Buffer);
          yield chunk as Buffer;
        }
      } finally {
        await fh.close();
      }
    }

    async function* entries(): AsyncGenerator<TarEntry> {
      yield { name: DB_ENTRY, size: dbBytes, body: fileBody(await fsp.open(copy, 'r'), dbHash) };
      manifest.database.sha256 = dbHash.digest('hex');
      for (const d of docs) {
        if (!/^[0-9a-f]{64}$/.test(d.id)) {
          manifest.missing.push({ id: d.id, linked: d.linked });
          continue;
        }
        let fh: fsp.FileHandle;
        try {
          fh = await fsp.open(path.join(opts.uploadDir, d.id), 'r');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          manifest.missing.push({ id: d.id, linked: d.linked });
          continue;
        }
        // the open descriptor keeps these bytes even if a scrub renames new ones over the name
        const { size } = await fh.stat();
        const hash = createHash('sha256');
        yield { name: `documents/${d.id}`, size, body: fileBody(fh, hash) };
        const sha256 = hash.digest('hex');
        if (sha256 !== d.expected) altered.push(d.id);
        manifest.documents.push({ id: d.id, bytes: size, sha256, expected: d.expected, linked: d.linked });
      }
      const text = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
      yield { name: MANIFEST_ENTRY, size: text.length, body: text };
    }

    const gzip = /\.(t?gz)$/i.test(out);
    const stream = Readable.from(tarStream(entries()));
    if (gzip) await pipeline(stream, createGzip(), fs.createWriteStream(tmpOut, { mode: 0o600 }));
    else await pipeline(stream, fs.createWriteStream(tmpOut, { mode: 0o600 }));
    const fh = await fsp.open(tmpOut, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmpOut, out);
    return { file: out, bytes: fs.statSync(out).size, documents: manifest.documents.length, missing: manifest.missing, altered };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export interface RestoreResult {
  database: string;
  /** where the database that was replaced is kept, if there was one */
  previous: string | null;
  documents: number;
  manifest: Manifest;
}

/** Renames, or copies and removes across file systems. */
async function moveFile(from: string, to: string): Promise<void> {
  try {
    await fsp.rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    const tmp = `${to}.${randomBytes(6).toString('hex')}.tmp`;
    await fsp.copyFile(from, tmp);
    await fsp.rename(tmp, to);
    await fsp.rm(from, { force: true });
  }
}

/**
 * Unpacks a backup into the configured SQLite file and UPLOAD_DIR. Refused (LockHeldError) while a
 * live process holds the database; refused (BackupError) when the archive is not a complete backup
 * or a file in it does not match its sha256, before anything is replaced.
 */
export async function restoreBackup(opts: { database: DatabaseConfig; uploadDir: string; file: string }): Promise<RestoreResult> {
  const dbFile = sqliteFile(opts.database);
  const archive = path.resolve(opts.file);
  if (!fs.existsSync(archive)) throw new BackupError(`no backup at ${archive}`);
  fs.mkdirSync(path.dirname(dbFile), { recursive: true });
  const lock = lockForRestore(dbFile);
  const staging = fs.mkdtempSync(path.join(path.dirname(dbFile), '.weishishi-restore-'));
  try {
    const hashes = new Map<string, { sha256: string; bytes: number }>();
    let manifestText = '';
    try {
      await readTar(openTar(archive), async (name, size) => {
        if (name === MANIFEST_ENTRY) {
          if (size > 256 * 1024 * 1024) throw new BackupError('manifest.json is implausibly large');
          const parts: Buffer[] = [];
          return { write: (c) => void parts.push(Buffer.from(c)), end: () => void (manifestText = Buffer.concat(parts).toString('utf8')) };
        }
        const doc = DOC_ENTRY.exec(name);
        if (name !== DB_ENTRY && !doc) return null; // not ours: ignored, never written anywhere
        const target = name === DB_ENTRY ? path.join(staging, DB_ENTRY) : path.join(staging, doc![1]!);
        const fh = await fsp.open(target, 'wx', 0o600);
        const hash = createHash('sha256');
        let bytes = 0;
        return {
          async write(chunk) {
            hash.update(chunk);
            bytes += chunk.length;
            await fh.write(chunk);
          },
          async end() {
            await fh.sync();
            await fh.close();
            hashes.set(name, { sha256: hash.digest('hex'), bytes });
          },
        };
      });
    } catch (err) {
      if (err instanceof BackupError) throw err;
      throw new BackupError(`${archive} is not a readable backup: ${(err as Error).message}`);
    }

    let manifest: Manifest;
    try {
      manifest = JSON.parse(manifestText) as Manifest;
    } catch {
      throw new BackupError(`${archive} has no manifest.json: not a weishishi backup`);
    }
    if (manifest.format !== MANIFEST_FORMAT || manifest.version !== 1) throw new BackupError(`${archive} is not a weishishi backup this version can read`);
    const wrong: string[] = [];
    const check = (name: string, sha256: string, bytes: number) => {
      const got = hashes.get(name);
      if (!got) wrong.push(`${name} is missing from the archive`);
      else if (got.sha256 !== sha256 || got.bytes !== bytes) wrong.push(`${name} does not match its sha256 in the manifest`);
    };
    check(DB_ENTRY, manifest.database.sha256, manifest.database.bytes);
    for (const d of manifest.documents) check(`documents/${d.id}`, d.sha256, d.bytes);
    if (wrong.length) throw new BackupError(`refusing to restore ${archive}:\n  ${wrong.join('\n  ')}`);

    // everything checked: now replace
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    let previous: string | null = null;
    if (fs.existsSync(dbFile)) {
      previous = `${dbFile}.before-restore-${stamp}`;
      await fsp.rename(dbFile, previous);
    }
    for (const suffix of ['-wal', '-shm', '-journal']) {
      // a -wal left beside the restored file would be replayed into it: keep it with the old database
      if (fs.existsSync(dbFile + suffix)) await fsp.rename(dbFile + suffix, `${previous ?? `${dbFile}.before-restore-${stamp}`}${suffix}`);
    }
    await moveFile(path.join(staging, DB_ENTRY), dbFile);
    await fsp.mkdir(opts.uploadDir, { recursive: true });
    for (const d of manifest.documents) await moveFile(path.join(staging, d.id), path.join(opts.uploadDir, d.id));
    return { database: dbFile, previous, documents: manifest.documents.length, manifest };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    lock.release();
  }
}
