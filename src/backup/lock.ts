// The lock a process holds on an SQLite database file while it uses it, so that `weishishi restore`
// never replaces a database under a running server. Several processes may use one file (`serve
// --no-workers` and `worker`, or a second server on the sqlite3 driver), so the lock is a directory
// `<db file>.lock/` with one entry per holder, each created with O_EXCL and holding its pid, host, role
// and start time, removed on clean shutdown. An entry whose pid is not alive on this host (kill(pid, 0)
// fails with ESRCH) is stale: it is ignored and removed. An entry from another host cannot be checked
// and counts as held. restore adds an entry of its own first and then looks for others; serve and
// worker add theirs and then look for a restore's: whichever comes second sees the first.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export type LockRole = 'serve' | 'worker' | 'restore';

export interface LockHolder {
  pid: number;
  host: string;
  role: LockRole;
  startedAt: string;
  /** the entry's file name in the lock directory */
  entry: string;
}

export class LockHeldError extends Error {
  override name = 'LockHeldError';
  constructor(message: string, readonly holders: LockHolder[]) {
    super(message);
  }
}

export const lockDir = (dbFile: string) => `${path.resolve(dbFile)}.lock`;

/** Whether a process with this pid runs on this machine (EPERM: it does, under another user). */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live holders of a database's lock (besides `except`); stale entries are removed on the way. */
export function liveHolders(dbFile: string, opts: { except?: string } = {}): LockHolder[] {
  const dir = lockDir(dbFile);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const live: LockHolder[] = [];
  for (const entry of names) {
    if (entry === opts.except || !entry.endsWith('.json')) continue;
    const file = path.join(dir, entry);
    let h: Partial<LockHolder>;
    try {
      h = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockHolder>;
    } catch {
      // being written this instant, or garbage: garbage older than a minute is stale
      const old = (() => { try { return Date.now() - fs.statSync(file).mtimeMs > 60_000; } catch { return true; } })();
      if (old) fs.rmSync(file, { force: true });
      else live.push({ pid: 0, host: os.hostname(), role: 'serve', startedAt: '?', entry });
      continue;
    }
    const holder: LockHolder = { pid: Number(h.pid), host: String(h.host ?? ''), role: (h.role ?? 'serve') as LockRole, startedAt: String(h.startedAt ?? '?'), entry };
    if (holder.host === os.hostname() && !pidAlive(holder.pid)) {
      fs.rmSync(file, { force: true }); // stale: its process is gone
      continue;
    }
    live.push(holder);
  }
  return live;
}

export function describeHolder(h: LockHolder): string {
  return `${h.role} pid ${h.pid}${h.host === os.hostname() ? '' : ` on ${h.host}`} since ${h.startedAt}`;
}

export interface HeldLock {
  entry: string;
  release(): void;
}

/** Adds this process's entry to the database's lock directory. */
function addEntry(dbFile: string, role: LockRole): HeldLock {
  const dir = lockDir(dbFile);
  fs.mkdirSync(dir, { recursive: true });
  const entry = `${role}-${process.pid}-${randomBytes(4).toString('hex')}.json`;
  const file = path.join(dir, entry);
  const body = JSON.stringify({ pid: process.pid, host: os.hostname(), role, startedAt: new Date().toISOString() });
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o644);
  try {
    fs.writeSync(fd, body);
  } finally {
    fs.closeSync(fd);
  }
  let released = false;
  return {
    entry,
    release() {
      if (released) return;
      released = true;
      fs.rmSync(file, { force: true });
      try {
        fs.rmdirSync(dir); // only when no other holder is left
      } catch { /* others hold it */ }
    },
  };
}

/**
 * Taken by `serve` and `worker` on an SQLite file before they open it; refused while a restore is
 * replacing the file. Other servers and workers may hold it at the same time.
 */
export function lockForServing(dbFile: string, role: 'serve' | 'worker'): HeldLock {
  const lock = addEntry(dbFile, role);
  const restoring = liveHolders(dbFile, { except: lock.entry }).filter((h) => h.role === 'restore');
  if (restoring.length) {
    lock.release();
    throw new LockHeldError(`${dbFile} is being restored (${restoring.map(describeHolder).join(', ')}): start again when the restore has finished`, restoring);
  }
  return lock;
}

/** Taken by `restore`: refused while any live process (a server, a worker, another restore) holds the file. */
export function lockForRestore(dbFile: string): HeldLock {
  const lock = addEntry(dbFile, 'restore');
  const holders = liveHolders(dbFile, { except: lock.entry });
  if (holders.length) {
    lock.release();
    throw new LockHeldError(
      `refusing to restore over ${dbFile}: it is held open by ${holders.map(describeHolder).join(', ')}. Stop ${holders.length > 1 ? 'them' : 'it'} first` +
        ` (an entry in ${lockDir(dbFile)} whose process is gone is ignored; one from another host must be removed by hand)`,
      holders,
    );
  }
  return lock;
}
