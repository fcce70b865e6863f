// A Chinese font for the demo's evidence PDFs: Noto Sans SC (SIL Open Font License 1.1) as the
// npm package @fontsource/noto-sans-sc ships it, in two WOFF 1.0 files of TrueType outlines — its
// "chinese-simplified" subset (≈1.6 MB) and its Latin subset (≈17 kB). A PDF embeds only the glyphs
// it draws: `subsetFont` builds a small TrueType font (glyf outlines, renumbered from 1 in the order
// the characters first appear) that a PDF embeds as a CIDFontType2 with an Identity CIDToGIDMap.
// No font library: WOFF 1.0 is sfnt tables, each zlib-compressed, and a TrueType subset needs only
// head, hhea, maxp, hmtx, loca and glyf (ISO 32000-1 §9.9).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';

/** The font's PostScript name, as the PDF names it (after a subset tag). */
export const CJK_FONT_NAME = 'NotoSansSC-Regular';
const FILES = [
  '@fontsource/noto-sans-sc/files/noto-sans-sc-chinese-simplified-400-normal.woff',
  '@fontsource/noto-sans-sc/files/noto-sans-sc-latin-400-normal.woff',
];

interface Sfnt {
  tables: Map<string, Buffer>;
  unitsPerEm: number;
  numGlyphs: number;
  longLoca: boolean;
  numberOfHMetrics: number;
  /** code point → glyph id (0 when the font has none) */
  glyphOf(cp: number): number;
}

/** Reads a WOFF 1.0 file into its sfnt tables (W3C WOFF 1.0 §3–5). */
function readWoff(buf: Buffer): Map<string, Buffer> {
  if (buf.toString('latin1', 0, 4) !== 'wOFF') throw new Error('not a WOFF 1.0 font');
  const numTables = buf.readUInt16BE(12);
  const tables = new Map<string, Buffer>();
  for (let i = 0; i < numTables; i++) {
    const e = 44 + i * 20;
    const tag = buf.toString('latin1', e, e + 4);
    const offset = buf.readUInt32BE(e + 4);
    const compLength = buf.readUInt32BE(e + 8);
    const origLength = buf.readUInt32BE(e + 12);
    const data = buf.subarray(offset, offset + compLength);
    tables.set(tag, compLength < origLength ? inflateSync(data) : Buffer.from(data));
  }
  return tables;
}

/** The Unicode cmap subtable (format 12, else format 4) as a lookup function. */
function cmapLookup(cmap: Buffer): (cp: number) => number {
  const n = cmap.readUInt16BE(2);
  let f4: number | undefined;
  let f12: number | undefined;
  for (let i = 0; i < n; i++) {
    const platform = cmap.readUInt16BE(4 + i * 8);
    const encoding = cmap.readUInt16BE(6 + i * 8);
    const off = cmap.readUInt32BE(8 + i * 8);
    const format = cmap.readUInt16BE(off);
    if (format === 12 && (platform === 3 || platform === 0)) f12 ??= off;
    if (format === 4 && ((platform === 3 && encoding === 1) || platform === 0)) f4 ??= off;
  }
  if (f12 !== undefined) {
    const off = f12;
    const groups = cmap.readUInt32BE(off + 12);
    return (cp) => {
      let lo = 0;
      let hi = groups - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const g = off + 16 + mid * 12;
        const start = cmap.readUInt32BE(g);
        const end = cmap.readUInt32BE(g + 4);
        if (cp < start) hi = mid - 1;
        else if (cp > end) lo = mid + 1;
        else return cmap.readUInt32BE(g + 8) + (cp - start);
      }
      return 0;
    };
  }
  if (f4 === undefined) return () => 0;
  const off = f4;
  const segX2 = cmap.readUInt16BE(off + 6);
  const ends = off + 14;
  const starts = ends + segX2 + 2;
  const deltas = starts + segX2;
  const ranges = deltas + segX2;
  return (cp) => {
    if (cp > 0xffff) return 0;
    for (let s = 0; s < segX2; s += 2) {
      if (cp > cmap.readUInt16BE(ends + s)) continue;
      const start = cmap.readUInt16BE(starts + s);
      if (cp < start) return 0;
      const delta = cmap.readInt16BE(deltas + s);
      const rangeOffset = cmap.readUInt16BE(ranges + s);
      if (rangeOffset === 0) return (cp + delta) & 0xffff;
      const g = cmap.readUInt16BE(ranges + s + rangeOffset + (cp - start) * 2);
      return g === 0 ? 0 : (g + delta) & 0xffff;
    }
    return 0;
  };
}

function toSfnt(tables: Map<string, Buffer>): Sfnt {
  const need = (tag: string) => {
    const t = tables.get(tag);
    if (!t) throw new Error(`font has no ${tag} table`);
    return t;
  };
  const head = need('head');
  return {
    tables,
    unitsPerEm: head.readUInt16BE(18),
    longLoca: head.readInt16BE(50) === 1,
    numGlyphs: need('maxp').readUInt16BE(4),
    numberOfHMetrics: need('hhea').readUInt16BE(34),
    glyphOf: cmapLookup(need('cmap')),
  };
}

let fonts: Sfnt[] | undefined;
/** The fonts, read once per process (the demo seed draws about twenty PDFs). */
function loadFonts(): Sfnt[] {
  if (!fonts) {
    const require = createRequire(import.meta.url);
    fonts = FILES.map((f) => toSfnt(readWoff(fs.readFileSync(require.resolve(f)))));
  }
  return fonts;
}

function glyphData(f: Sfnt, gid: number): Buffer {
  const loca = f.tables.get('loca')!;
  const at = (i: number) => (f.longLoca ? loca.readUInt32BE(i * 4) : loca.readUInt16BE(i * 2) * 2);
  return f.tables.get('glyf')!.subarray(at(gid), at(gid + 1));
}

function metricsOf(f: Sfnt, gid: number): { advance: number; lsb: number } {
  const hmtx = f.tables.get('hmtx')!;
  const n = f.numberOfHMetrics;
  const advance = hmtx.readUInt16BE(Math.min(gid, n - 1) * 4);
  const lsb = gid < n ? hmtx.readInt16BE(gid * 4 + 2) : hmtx.readInt16BE(n * 4 + (gid - n) * 2);
  return { advance, lsb };
}

const ARG_WORDS = 0x0001;
const HAVE_SCALE = 0x0008;
const MORE_COMPONENTS = 0x0020;
const HAVE_XY_SCALE = 0x0040;
const HAVE_2X2 = 0x0080;

/** The component glyph ids of a composite glyph, with the byte offset of each (to renumber them). */
function components(data: Buffer): Array<{ gid: number; at: number }> {
  if (data.length === 0 || data.readInt16BE(0) >= 0) return [];
  const out: Array<{ gid: number; at: number }> = [];
  let p = 10;
  for (;;) {
    const flags = data.readUInt16BE(p);
    out.push({ gid: data.readUInt16BE(p + 2), at: p + 2 });
    p += 4 + (flags & ARG_WORDS ? 4 : 2);
    if (flags & HAVE_SCALE) p += 2;
    else if (flags & HAVE_XY_SCALE) p += 4;
    else if (flags & HAVE_2X2) p += 8;
    if (!(flags & MORE_COMPONENTS)) return out;
  }
}

export interface FontSubset {
  /** a TrueType font holding .notdef and the glyphs of the text */
  ttf: Buffer;
  /** the glyph id (= CID) of each code point of the text, in the subset */
  cidOf: Map<number, number>;
  /** advance widths in PDF glyph space (1/1000 em), by CID */
  widths: number[];
  bbox: [number, number, number, number];
  ascent: number;
  descent: number;
}

/** A TrueType font with the glyphs of `text` (characters no font has draw as .notdef). */
export function subsetFont(text: string): FontSubset {
  const all = loadFonts();
  const primary = all[0]!;
  const order: Array<{ f: number; gid: number }> = [{ f: 0, gid: 0 }];
  const index = new Map<string, number>([['0:0', 0]]);
  const add = (f: number, gid: number): number => {
    const key = `${f}:${gid}`;
    let cid = index.get(key);
    if (cid === undefined) {
      cid = order.length;
      order.push({ f, gid });
      index.set(key, cid);
      for (const c of components(glyphData(all[f]!, gid))) add(f, c.gid);
    }
    return cid;
  };
  const cidOf = new Map<number, number>();
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cidOf.has(cp)) continue;
    const f = all.findIndex((font) => font.glyphOf(cp) !== 0);
    cidOf.set(cp, f < 0 ? 0 : add(f, all[f]!.glyphOf(cp)));
  }

  const glyphs: Buffer[] = [];
  const hmtx = Buffer.alloc(order.length * 4);
  const widths: number[] = [];
  order.forEach(({ f, gid }, cid) => {
    const font = all[f]!;
    const data = Buffer.from(glyphData(font, gid));
    for (const c of components(data)) data.writeUInt16BE(index.get(`${f}:${c.gid}`)!, c.at);
    glyphs.push(Buffer.concat([data, Buffer.alloc((4 - (data.length % 4)) % 4)]));
    const m = metricsOf(font, gid);
    hmtx.writeUInt16BE(m.advance, cid * 4);
    hmtx.writeInt16BE(m.lsb, cid * 4 + 2);
    widths.push(Math.round((m.advance * 1000) / font.unitsPerEm));
  });
  const loca = Buffer.alloc((order.length + 1) * 4);
  let offset = 0;
  glyphs.forEach((g, i) => {
    loca.writeUInt32BE(offset, i * 4);
    offset += g.length;
  });
  loca.writeUInt32BE(offset, order.length * 4);

  const head = Buffer.from(primary.tables.get('head')!);
  head.writeUInt32BE(0, 8); // checkSumAdjustment, set below
  head.writeInt16BE(1, 50); // long loca
  const hhea = Buffer.from(primary.tables.get('hhea')!);
  hhea.writeUInt16BE(order.length, 34);
  const maxp = Buffer.from(primary.tables.get('maxp')!);
  maxp.writeUInt16BE(order.length, 4);
  // post format 3: no glyph names
  const post = Buffer.alloc(32);
  post.writeUInt32BE(0x00030000, 0);
  const tables = new Map<string, Buffer>([['head', head], ['hhea', hhea], ['maxp', maxp], ['hmtx', hmtx], ['loca', loca], ['glyf', Buffer.concat(glyphs)], ['post', post]]);
  for (const tag of ['cvt ', 'fpgm', 'prep']) {
    const t = primary.tables.get(tag);
    if (t) tables.set(tag, t);
  }
  const ttf = writeSfnt(tables);
  ttf.writeUInt32BE((0xb1b0afba - checksum(ttf)) >>> 0, sfntTableOffset(ttf, 'head') + 8);

  const scale = (v: number) => Math.round((v * 1000) / primary.unitsPerEm);
  return {
    ttf,
    cidOf,
    widths,
    bbox: [scale(head.readInt16BE(36)), scale(head.readInt16BE(38)), scale(head.readInt16BE(40)), scale(head.readInt16BE(42))],
    ascent: scale(hhea.readInt16BE(4)),
    descent: scale(hhea.readInt16BE(6)),
  };
}

function checksum(b: Buffer): number {
  const padded = b.length % 4 === 0 ? b : Buffer.concat([b, Buffer.alloc(4 - (b.length % 4))]);
  let sum = 0;
  for (let i = 0; i < padded.length; i += 4) sum = (sum + padded.readUInt32BE(i)) >>> 0;
  return sum;
}

function sfntTableOffset(ttf: Buffer, tag: string): number {
  const n = ttf.readUInt16BE(4);
  for (let i = 0; i < n; i++) if (ttf.toString('latin1', 12 + i * 16, 16 + i * 16) === tag) return ttf.readUInt32BE(20 + i * 16);
  throw new Error(`no ${tag} table`);
}

/** An sfnt (TrueType) file from its tables: sorted directory, 4-byte aligned, with checksums. */
function writeSfnt(tables: Map<string, Buffer>): Buffer {
  const tags = [...tables.keys()].sort();
  const n = tags.length;
  const pow = 2 ** Math.floor(Math.log2(n));
  const header = Buffer.alloc(12 + n * 16);
  header.writeUInt32BE(0x00010000, 0);
  header.writeUInt16BE(n, 4);
  header.writeUInt16BE(pow * 16, 6);
  header.writeUInt16BE(Math.log2(pow), 8);
  header.writeUInt16BE(n * 16 - pow * 16, 10);
  const parts: Buffer[] = [header];
  let offset = header.length;
  tags.forEach((tag, i) => {
    const data = tables.get(tag)!;
    const e = 12 + i * 16;
    header.write(tag, e, 'latin1');
    header.writeUInt32BE(checksum(data), e + 4);
    header.writeUInt32BE(offset, e + 8);
    header.writeUInt32BE(data.length, e + 12);
    const padded = Buffer.concat([data, Buffer.alloc((4 - (data.length % 4)) % 4)]);
    parts.push(padded);
    offset += padded.length;
  });
  return Buffer.concat(parts);
}
