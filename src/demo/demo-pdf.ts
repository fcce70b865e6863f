// A small, valid one-page PDF for demo evidence (minutes, delivery records, acceptance reports), so
// demo links open a real document in Chinese. The text is set in Noto Sans SC, embedded as a subset
// (cjk-font.ts) — a Type0 font with Identity-H encoding over a CIDFontType2 — with a ToUnicode CMap,
// so viewers draw the characters and can search and copy them.
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { CJK_FONT_NAME, subsetFont } from './cjk-font.js';

const hex4 = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');

/** UTF-16BE of a code point, in hex, as a ToUnicode CMap writes it. */
function utf16Hex(cp: number): string {
  if (cp <= 0xffff) return hex4(cp);
  const v = cp - 0x10000;
  return hex4(0xd800 + (v >> 10)) + hex4(0xdc00 + (v & 0x3ff));
}

function toUnicodeCMap(cidOf: Map<number, number>): string {
  const pairs = [...cidOf].filter(([, cid]) => cid !== 0).sort((a, b) => a[1] - b[1]);
  const chunks: string[] = [];
  // at most 100 entries per bfchar block
  for (let i = 0; i < pairs.length; i += 100) {
    const block = pairs.slice(i, i + 100);
    chunks.push(`${block.length} beginbfchar\n${block.map(([cp, cid]) => `<${hex4(cid)}> <${utf16Hex(cp)}>`).join('\n')}\nendbfchar`);
  }
  return [
    '/CIDInit /ProcSet findresource begin',
    '12 dict begin',
    'begincmap',
    '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def',
    '/CMapName /Adobe-Identity-UCS def',
    '/CMapType 2 def',
    '1 begincodespacerange',
    '<0000> <FFFF>',
    'endcodespacerange',
    ...chunks,
    'endcmap',
    'CMapName currentdict /CMap defineresource pop',
    'end',
    'end',
  ].join('\n');
}

/** A PDF string object of text (ASCII, for the document information). */
const pdfString = (s: string) => `(${s.replace(/[\\()]/g, (m) => `\\${m}`).replace(/[^\x20-\x7e]/g, '?')})`;

/** The embedded font of a set of characters, ready to write: subset, compressed, tagged. */
interface EmbeddedFont {
  encode: (s: string) => string;
  baseFont: string;
  widths: string;
  bbox: string;
  ascent: number;
  descent: number;
  fontFile: Buffer;
  ttfLength: number;
  cmap: string;
}

// Subsetting and compressing the font is most of a page's cost; a city's generator writes tens of
// thousands of pages over a few hundred character sets (titles, phrases, digits), so a subset is
// kept by its sorted set of characters (the subset of the sorted set: the same set, the same bytes).
// Every set has the digits and the punctuation of refs and dates, so that pages differing only in
// their numbers share one.
const ALWAYS = '0123456789-:.%（）、，。';
const EMBEDDED_CACHE_SIZE = 512;
const embedded = new Map<string, EmbeddedFont>();

function embeddedFont(text: string): EmbeddedFont {
  const chars = [...new Set(text + ALWAYS)].sort().join('');
  const kept = embedded.get(chars);
  if (kept) return kept;
  const font = subsetFont(chars);
  // A subset's name starts with six capital letters that identify the subset (ISO 32000-1 §9.6.4).
  const tag = [...createHash('sha256').update(font.ttf).digest().subarray(0, 6)].map((b) => String.fromCharCode(65 + (b % 26))).join('');
  const e: EmbeddedFont = {
    encode: (s) => [...s].map((ch) => hex4(font.cidOf.get(ch.codePointAt(0)!) ?? 0)).join(''),
    baseFont: `${tag}+${CJK_FONT_NAME}`,
    widths: font.widths.map((w) => String(w)).join(' '),
    bbox: font.bbox.join(' '),
    ascent: font.ascent,
    descent: font.descent,
    fontFile: deflateSync(font.ttf),
    ttfLength: font.ttf.length,
    cmap: toUnicodeCMap(font.cidOf),
  };
  if (embedded.size >= EMBEDDED_CACHE_SIZE) embedded.delete(embedded.keys().next().value!);
  embedded.set(chars, e);
  return e;
}

/** One A4 page with the lines (Chinese and Latin text), the first as a heading. */
export function demoPdf(lines: string[]): Buffer {
  const { encode, baseFont, widths, bbox, ascent, descent, fontFile, ttfLength, cmap } = embeddedFont(lines.join(''));
  const text = lines
    .map((l, i) => {
      const size = i === 0 ? 18 : 12;
      const y = i === 0 ? 770 : 730 - (i - 1) * 22;
      return `BT /F1 ${size} Tf 60 ${y} Td <${encode(l)}> Tj ET`;
    })
    .join('\n');
  const tag = baseFont.slice(0, 6);
  const objects: Array<string | Buffer> = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(text)} >>\nstream\n${text}\nendstream`,
    `<< /Type /Font /Subtype /Type0 /BaseFont /${baseFont} /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 9 0 R >>`,
    `<< /Type /Font /Subtype /CIDFontType2 /BaseFont /${baseFont} /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R /CIDToGIDMap /Identity /DW 1000 /W [0 [${widths}]] >>`,
    `<< /Type /FontDescriptor /FontName /${baseFont} /Flags 4 /FontBBox [${bbox}] /ItalicAngle 0 /Ascent ${ascent} /Descent ${descent} /CapHeight 733 /StemV 80 /FontFile2 8 0 R >>`,
    Buffer.concat([Buffer.from(`<< /Length ${fontFile.length} /Length1 ${ttfLength} /Filter /FlateDecode >>\nstream\n`, 'latin1'), fontFile, Buffer.from('\nendstream', 'latin1')]),
    `<< /Length ${Buffer.byteLength(cmap)} >>\nstream\n${cmap}\nendstream`,
    `<< /Producer ${pdfString('weishishi demo')} /Title ${pdfString(`evidence ${tag}`)} >>`,
  ];
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let length = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(length);
    const body = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`, 'latin1'), typeof o === 'string' ? Buffer.from(o, 'latin1') : o, Buffer.from('\nendobj\n', 'latin1')]);
    parts.push(body);
    length += body.length;
  });
  const xref = length;
  let tail = `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  tail += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info ${objects.length} 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  parts.push(Buffer.from(tail, 'latin1'));
  return Buffer.concat(parts);
}
