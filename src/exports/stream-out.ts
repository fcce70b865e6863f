// Writing to a response that may be slow or gone: wait for 'drain' when its buffer is full, and stop
// (reject) when the reader has left, so a cancelled download stops reading the database.
import { once } from 'node:events';
import type { Writable } from 'node:stream';

export class ReaderGoneError extends Error {
  constructor() {
    super('the reader closed the download');
    this.name = 'ReaderGoneError';
  }
}

/** Resolves once `out` can take more (now, or on 'drain'); rejects when it closed first. */
export async function whenWritable(out: Writable): Promise<void> {
  if (out.destroyed || out.writableEnded) throw new ReaderGoneError();
  if (!out.writableNeedDrain) return;
  const ac = new AbortController();
  try {
    await Promise.race([
      once(out, 'drain', { signal: ac.signal }),
      once(out, 'close', { signal: ac.signal }).then(() => { throw new ReaderGoneError(); }),
    ]);
  } finally {
    ac.abort();
  }
}

export async function writeChunk(out: Writable, chunk: string): Promise<void> {
  if (out.destroyed || out.writableEnded) throw new ReaderGoneError();
  out.write(chunk, 'utf8');
  await whenWritable(out);
}
