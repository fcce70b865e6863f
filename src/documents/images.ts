// Photos as they are kept (issue 12): every image is re-encoded with sharp before anything is stored:
// turned upright by its EXIF orientation, at most 2048 px on its longer side, and with all its
// metadata dropped (EXIF, XMP, IPTC: GPS position, camera make, model and serial). Only the capture
// time is read first, since auditors check it against the delivery date; DateTimeOriginal has no
// time zone, so it is taken as Asia/Shanghai unless OffsetTimeOriginal names one. The location is
// read by no one: never stored, logged or returned. JPEG stays JPEG, PNG PNG and WebP WebP.
// Everything here works on buffers in memory: the original never touches the disk.
import { loadSharp } from '../lib/lazy-modules.js';
import exifReader from 'exif-reader';

/** The longer side of a stored image, in pixels. */
export const MAX_IMAGE_SIDE = 2048;

export type ImageMime = 'image/jpeg' | 'image/png' | 'image/webp';

export interface ReencodedImage {
  buffer: Buffer;
  width: number;
  height: number;
  /** UTC ISO time the photo was taken (EXIF DateTimeOriginal), or null when the file does not say. */
  capturedAt: string | null;
}

const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1', 'heif']);

/** An ISO-BMFF file whose brand is HEIC/HEIF (what an iPhone's photo library holds), by its bytes. */
export function isHeif(buf: Buffer): boolean {
  if (buf.length < 12 || buf.subarray(4, 8).toString('latin1') !== 'ftyp') return false;
  const boxSize = Math.min(buf.readUInt32BE(0), buf.length, 256);
  const brands = [buf.subarray(8, 12).toString('latin1')];
  for (let at = 16; at + 4 <= boxSize; at += 4) brands.push(buf.subarray(at, at + 4).toString('latin1'));
  // an AVIF also lists mif1; it is not HEIC (and is refused as an unsupported type anyway)
  if (brands[0] === 'avif' || brands[0] === 'avis') return false;
  return brands.some((b) => HEIF_BRANDS.has(b));
}

/** "+08:00" → minutes east of UTC; anything else: null. */
function offsetMinutes(v: unknown): number | null {
  if (typeof v !== 'string') return null;
  const m = /^\s*([+-])(\d{2}):?(\d{2})\s*$/.exec(v);
  if (!m) return null;
  const n = Number(m[2]) * 60 + Number(m[3]);
  return n > 14 * 60 ? null : (m[1] === '-' ? -n : n);
}

const SHANGHAI_MINUTES = 8 * 60;

/**
 * The capture time of an EXIF block (as sharp's metadata().exif returns it): DateTimeOriginal (or,
 * failing that, DateTimeDigitized), a wall-clock time, in the zone OffsetTimeOriginal names, else
 * Asia/Shanghai (UTC+8, no daylight saving). Null when absent, unreadable or implausible.
 */
export function captureTimeOf(exif: Buffer | undefined): string | null {
  if (!exif || exif.length < 8) return null;
  let tags: ReturnType<typeof exifReader>;
  try {
    tags = exifReader(exif);
  } catch {
    return null;
  }
  const photo = (tags.Photo ?? {}) as Record<string, unknown>;
  const wall = [photo.DateTimeOriginal, photo.DateTimeDigitized].find((d): d is Date => d instanceof Date && !Number.isNaN(d.getTime()));
  if (!wall) return null;
  const offset = offsetMinutes(photo.OffsetTimeOriginal) ?? (photo.DateTimeOriginal instanceof Date ? null : offsetMinutes(photo.OffsetTimeDigitized)) ?? SHANGHAI_MINUTES;
  // exif-reader reads the wall-clock time as if it were UTC
  const at = new Date(wall.getTime() - offset * 60_000);
  const year = at.getUTCFullYear();
  if (year < 1990 || year > 2200) return null;
  return at.toISOString();
}

/** The image after the rules above: upright, at most 2048 px, no metadata, same format. */
export async function reencodeImage(input: Buffer, mime: ImageMime): Promise<ReencodedImage> {
  const sharp = await loadSharp();
  const source = sharp(input, { failOn: 'error' });
  const meta = await source.metadata();
  const capturedAt = captureTimeOf(meta.exif);
  // no withMetadata()/keepMetadata(): sharp writes none of the input's EXIF, XMP, IPTC or ICC chunks
  const pipeline = source.rotate().resize(MAX_IMAGE_SIDE, MAX_IMAGE_SIDE, { fit: 'inside', withoutEnlargement: true });
  const encoded = mime === 'image/jpeg' ? pipeline.jpeg({ quality: 82, mozjpeg: true })
    : mime === 'image/png' ? pipeline.png({ compressionLevel: 9 })
      : pipeline.webp({ quality: 82 });
  const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
  return { buffer: data, width: info.width, height: info.height, capturedAt };
}

/**
 * Whether a stored image still needs the treatment: it carries EXIF, XMP, IPTC or text chunks, an
 * orientation other than upright, or a side longer than 2048 px. Unreadable images count as needing it.
 */
export async function needsReencoding(buf: Buffer): Promise<boolean> {
  try {
    const sharp = await loadSharp();
    const m = await sharp(buf).metadata();
    if (m.exif || m.xmp || m.iptc || (m.comments?.length ?? 0) > 0) return true;
    if (m.orientation !== undefined && m.orientation !== 1) return true;
    return Math.max(m.width ?? 0, m.height ?? 0) > MAX_IMAGE_SIDE;
  } catch {
    return true;
  }
}
