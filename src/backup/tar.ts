// A minimal POSIX tar (ustar) writer and reader on Node's streams: regular files only, names of at
// most 100 bytes, sizes beyond 8 GiB in GNU base-256. Enough for a backup archive (db.sqlite,
// documents/<id>, manifest.json) without a dependency; any tar tool can list or unpack it. Optionally
// gzip-compressed (the reader recognises gzip by its magic bytes).
import fs from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

const BLOCK = 512;
const MAX_OCTAL_SIZE = 0o77777777777;

export interface TarEntry {
  name: string;
  size: number;
  /** the entry's bytes, in order */
  body: AsyncIterable<Buffer> | Buffer;
}

function writeOctal(h: Buffer, value: number, offset: number, length: number): void {
  h.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii');
}

export function tarHeader(name: string, size: number, mtimeSec: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  writeOctal(h, 0o600, 100, 8);
  writeOctal(h, 0, 108, 8);
  writeOctal(h, 0, 116, 8);
  if (size <= MAX_OCTAL_SIZE) writeOctal(h, size, 124, 12);
  else {
    // GNU base-256: the high bit of the first byte set, the value big-endian in the rest
    h[124] = 0x80;
    let v = BigInt(size);
    for (let i = 135; i > 124; i--) {
      h[i] = Number(v & 0xffn);
      v >>= 8n;
    }
  }
  writeOctal(h, Math.floor(mtimeSec), 136, 12);
  h.fill(0x20, 148, 156); // the checksum field counts as spaces while summing
  h.write('0', 156, 1, 'ascii'); // a regular file
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

const padding = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

/** The archive's bytes, entry after entry, then the two zero blocks that end a tar. */
export async function* tarStream(entries: AsyncIterable<TarEntry> | Iterable<TarEntry>): AsyncGenerator<Buffer> {
  const mtime = Date.now() / 1000;
  for await (const e of entries) {
    yield tarHeader(e.name, e.size, mtime);
    let n = 0;
    if (Buffer.isBuffer(e.body)) {
      n = e.body.length;
      yield e.body;
    } else {
      for await (const chunk of e.body) {
        n += chunk.length;
        if (n > e.size) throw new Error(`tar entry ${e.name} grew while it was written`);
        yield chunk;
      }
    }
    if (n !== e.size) throw new Error(`tar entry ${e.name}: ${n} bytes written, ${e.size} announced`);
    yield padding(e.size);
  }
  yield Buffer.alloc(2 * BLOCK);
}

function parseSize(h: Buffer): number {
  if ((h[124]! & 0x80) !== 0) {
    let v = 0n;
    for (let i = 125; i < 136; i++) v = (v << 8n) | BigInt(h[i]!);
    return Number(v);
  }
  const text = h.subarray(124, 136).toString('ascii').replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]*$/.test(text)) throw new Error('not a tar archive (bad size field)');
  return text ? parseInt(text, 8) : 0;
}

function checkHeader(h: Buffer): void {
  const stored = parseInt(h.subarray(148, 156).toString('ascii').replace(/[\0 ]+$/, '').trim(), 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  if (stored !== sum) throw new Error('not a tar archive (header checksum)');
}

export interface EntrySink {
  write(chunk: Buffer): Promise<void> | void;
  end(): Promise<void> | void;
}

/** The archive file's tar stream, gunzipped when the file is gzip (by its magic bytes, not its name). */
export function openTar(file: string): Readable {
  const head = Buffer.alloc(2);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 2, 0);
  } finally {
    fs.closeSync(fd);
  }
  const raw = fs.createReadStream(file);
  if (head[0] !== 0x1f || head[1] !== 0x8b) return raw;
  const gunzip = createGunzip();
  raw.on('error', (err) => gunzip.destroy(err));
  gunzip.on('close', () => raw.destroy());
  return raw.pipe(gunzip);
}

/**
 * Reads a tar stream (see openTar); for each regular file calls onEntry, which returns where its
 * bytes go (or null to skip it). Other entry types (directories, links) are refused.
 */
export async function readTar(input: Readable, onEntry: (name: string, size: number) => Promise<EntrySink | null> | EntrySink | null): Promise<void> {
  let pending = Buffer.alloc(0);
  let header: Buffer | null = null;
  let remaining = 0; // body bytes of the current entry still to come
  let skip = 0; // padding still to skip
  let sink: EntrySink | null = null;
  let ended = false;

  for await (const raw of input) {
    let chunk = raw as Buffer;
    while (chunk.length > 0 && !ended) {
      if (remaining > 0) {
        const n = Math.min(remaining, chunk.length);
        if (sink) await sink.write(chunk.subarray(0, n));
        remaining -= n;
        chunk = chunk.subarray(n);
        if (remaining === 0) {
          if (sink) await sink.end();
          sink = null;
        }
        continue;
      }
      // then the padding to the block boundary
      if (skip > 0) {
        const n = Math.min(skip, chunk.length);
        skip -= n;
        chunk = chunk.subarray(n);
        continue;
      }
      // a header block
      pending = Buffer.concat([pending, chunk]);
      if (pending.length < BLOCK) {
        chunk = Buffer.alloc(0);
        continue;
      }
      header = pending.subarray(0, BLOCK);
      chunk = pending.subarray(BLOCK);
      pending = Buffer.alloc(0);
      if (header.every((b) => b === 0)) {
        ended = true;
        break;
      }
      checkHeader(header);
      const type = String.fromCharCode(header[156]!);
      if (type !== '0' && type !== '\0') throw new Error(`unexpected tar entry type ${JSON.stringify(type)}`);
      const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
      const size = parseSize(header);
      sink = await onEntry(name, size);
      remaining = size;
      skip = (BLOCK - (size % BLOCK)) % BLOCK;
      if (size === 0 && sink) {
        await sink.end();
        sink = null;
      }
    }
    if (ended) break;
  }
  if (!ended || remaining > 0) throw new Error('the archive is truncated');
}
