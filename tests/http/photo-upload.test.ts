// Issue 12, item 2 (evidence from the camera), on the real app: a phone photo with GPS, camera tags,
// a capture time and EXIF orientation 6, uploaded through the vendor's delivery form, comes back
// upright at 1536 × 2048 without any EXIF, XMP or IPTC segment; its capture time is a field of the
// document; no file under UPLOAD_DIR holds the original. PNG and WebP keep their format without
// metadata, HEIC is refused with a message, an image may arrive at up to 30 MB, a PDF passes
// unchanged, and `documents scrub` strips a photo stored before, keeping its id.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import piexif from 'piexifjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, goodsProject, toDelivery, U, VENDORS, type Api } from '../support/lifecycle.js';
import { agentFor, type Agent } from './pages-helpers.js';
import { captureTimeOf } from '../../src/documents/images.js';

const UPLOAD_DIR = `/tmp/wss-test-uploads-photo-${process.pid}`;
const MB = 1024 * 1024;
const sha256 = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');
const unescape = (s: string) => s.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=').replace(/&#x27;/g, "'").replace(/&quot;/g, '"');
const SECRET_MAKE = 'SecretPhoneMaker';
const SECRET_MODEL = 'Model-XJ-42-serial-7781';

/** A page's form for `type`: where it posts (its CSRF token in the query), its version and its markup. */
function formOf(html: string, type: string): { action: string; version: string; html: string } {
  const form = new RegExp(`<form method="post" action="([^"]+)" id="form-${type}"[^>]*>([\\s\\S]*?)</form>`).exec(html);
  if (!form) throw new Error(`no ${type} form on the page`);
  return { action: unescape(form[1]!), version: /name="expectedVersion" value="(\d+)"/.exec(form[2]!)![1]!, html: form[0] };
}

/** The EXIF block of a phone photo: orientation 6, GPS, make, model and a capture time (no time zone). */
function phoneExif(): string {
  return piexif.dump({
    '0th': { [piexif.ImageIFD.Orientation!]: 6, [piexif.ImageIFD.Make!]: SECRET_MAKE, [piexif.ImageIFD.Model!]: SECRET_MODEL },
    Exif: { [piexif.ExifIFD.DateTimeOriginal!]: '2026:03:05 14:30:00' },
    GPS: {
      [piexif.GPSIFD.GPSLatitudeRef!]: 'N', [piexif.GPSIFD.GPSLatitude!]: [[22, 1], [16, 1], [4512, 100]],
      [piexif.GPSIFD.GPSLongitudeRef!]: 'E', [piexif.GPSIFD.GPSLongitude!]: [[113, 1], [34, 1], [1234, 100]],
    },
  });
}

/**
 * A portrait photo as a phone stores it: 4000 × 3000 pixels (landscape) with orientation 6, shown
 * 3000 × 4000. The stored image's top rows are red, so upright (turned 90° clockwise) the red is on
 * the right.
 */
async function phonePhoto(): Promise<{ jpeg: Buffer; exif: Buffer }> {
  const width = 4000;
  const height = 3000;
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    const red = y < 300;
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = red ? 230 : 40;
      raw[i + 1] = red ? 20 : 90 + ((x >> 6) & 63);
      raw[i + 2] = red ? 20 : 160;
    }
  }
  const plain = await sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  const exif = phoneExif();
  return { jpeg: Buffer.from(piexif.insert(exif, plain.toString('binary')), 'binary'), exif: Buffer.from(exif, 'binary') };
}

/** The JPEG's marker segments before the image data: [marker, first bytes of its payload]. */
function jpegSegments(buf: Buffer): Array<{ marker: number; head: string }> {
  expect(buf[0]).toBe(0xff);
  expect(buf[1]).toBe(0xd8);
  const out: Array<{ marker: number; head: string }> = [];
  let at = 2;
  while (at + 4 <= buf.length) {
    expect(buf[at]).toBe(0xff);
    const marker = buf[at + 1]!;
    if (marker === 0xd9) break;
    const len = buf.readUInt16BE(at + 2);
    out.push({ marker, head: buf.subarray(at + 4, at + 4 + Math.min(40, len - 2)).toString('latin1') });
    if (marker === 0xda) break; // start of scan: entropy-coded data follows
    at += 2 + len;
  }
  return out;
}

function expectNoJpegMetadata(buf: Buffer): void {
  const segments = jpegSegments(buf);
  expect(segments.length).toBeGreaterThan(0);
  expect(segments.filter((s) => s.marker === 0xe1), 'APP1 (EXIF or XMP)').toEqual([]);
  expect(segments.filter((s) => s.marker === 0xed), 'APP13 (IPTC)').toEqual([]);
  expect(segments.some((s) => s.head.startsWith('Exif') || s.head.startsWith('http://ns.adobe.com/xap'))).toBe(false);
  expect(buf.includes('Exif\0')).toBe(false);
  expect(buf.includes('http://ns.adobe.com/xap')).toBe(false);
  expect(buf.includes('Photoshop 3.0')).toBe(false);
}

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Noise, so that the JPEG stays large: about `mb` megabytes. */
async function noisyJpeg(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  let seed = 12345;
  for (let i = 0; i < raw.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    raw[i] = seed >> 16;
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer();
}

describe('photos from the camera: upright, small, without metadata', () => {
  let app: TestApp;
  let a: Api;
  let projectId: string;
  let itemId: string;
  let vendor: Agent;

  beforeAll(async () => {
    fs.rmSync(UPLOAD_DIR, { recursive: true, force: true });
    app = await createTestApp({ env: { UPLOAD_DIR } });
    a = api(app);
    const p = await a.create(U.c1, goodsProject({ title: '交付照片测试' }));
    const d = await toDelivery(app, p.id, VENDORS.kangfu, goodsProject().items);
    projectId = d.id;
    itemId = d.contract!.items[0]!.id;
    vendor = await agentFor(app, U.v1);
  });
  afterAll(async () => {
    await app?.close();
    fs.rmSync(UPLOAD_DIR, { recursive: true, force: true });
  });

  it('the delivery form offers the camera and the gallery or files, both under the evidence field, and the progress script', async () => {
    const page = await vendor.get(`/projects/${projectId}`);
    const form = formOf(page.text, 'RECORD_DELIVERY').html;
    expect(form).toContain('enctype="multipart/form-data"');
    const inputs = [...form.matchAll(/<input [^>]*type="file"[^>]*>/g)].map((m) => m[0]);
    expect(inputs).toHaveLength(2);
    const camera = inputs.find((i) => i.includes('capture="environment"'))!;
    const gallery = inputs.find((i) => !i.includes('capture'))!;
    expect(camera).toContain('name="evidence"');
    expect(camera).toContain('accept="image/*"');
    expect(gallery).toContain('name="evidence"');
    expect(gallery).toContain('accept="image/jpeg,image/png,image/webp,application/pdf"');
    expect(gallery).toContain(' multiple');
    expect(form).toContain('拍照');
    expect(form).toContain('从相册或文件选择');
    expect(page.text).toMatch(/<script src="\/static\/upload\.[0-9a-f]{8}\.js" defer><\/script>/);
    // a page without a file form does without the script
    const list = await vendor.get('/projects');
    expect(list.text).not.toContain('/static/upload.');
  });

  it('when a phone photo (3000 × 4000, orientation 6, GPS, make, model, capture time) is uploaded through the delivery form, then it comes back upright at 1536 × 2048 without metadata, with its capture time, and the original is nowhere', async () => {
    const { jpeg: original, exif } = await phonePhoto();
    const before = await sharp(original).metadata();
    expect([before.width, before.height, before.orientation]).toEqual([4000, 3000, 6]);
    expect(original.includes(SECRET_MAKE)).toBe(true);

    const form = formOf((await vendor.get(`/projects/${projectId}`)).text, 'RECORD_DELIVERY');
    const res = await vendor.post(form.action)
      .field('expectedVersion', form.version).field('itemId', itemId).field('quantity', '1')
      .attach('evidence', original, { filename: 'IMG_20260305_143000.jpg', contentType: 'image/jpeg' });
    expect(res.status, res.text.slice(0, 400)).toBe(303);
    const recorded = (await app.deps.engine.history(projectId)).filter((h) => h.type === 'RECORD_DELIVERY').at(-1)!;
    const [id] = recorded.payload.evidence as string[];
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    const got = await vendor.get(`/documents/${id}`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(got.status).toBe(200);
    expect(got.headers['content-type']).toBe('image/jpeg');
    const served = got.body as Buffer;
    // the id is the hash of the bytes stored and served
    expect(sha256(served)).toBe(id);
    const meta = await sharp(served).metadata();
    expect(meta.format).toBe('jpeg');
    expect([meta.width, meta.height]).toEqual([1536, 2048]);
    expect(meta.orientation).toBeUndefined();
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(meta.iptc).toBeUndefined();
    expectNoJpegMetadata(served);
    // upright: the stored image's red top rows are now the right-hand columns
    const { data, info } = await sharp(served).raw().toBuffer({ resolveWithObject: true });
    const px = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    expect(px(info.width - 10, 1024)[0]).toBeGreaterThan(180);
    expect(px(10, 1024)[0]).toBeLessThan(100);
    expect(px(768, 10)[0]).toBeLessThan(100);

    // the capture time: DateTimeOriginal 14:30 with no zone, read as Asia/Shanghai
    const row = await app.deps.db('documents').where({ id }).first();
    expect(row.captured_at).toBe('2026-03-05T06:30:00.000Z');
    expect(row.content_sha256).toBe(id);
    expect(Number(row.size)).toBe(served.length);
    // nothing of the camera or the place in the database row
    expect(JSON.stringify(row)).not.toMatch(new RegExp(`${SECRET_MAKE}|${SECRET_MODEL}|GPS|22\\.2|113\\.5`));

    // no file under UPLOAD_DIR holds the original, its EXIF block or its camera tags
    const originalHash = sha256(original);
    const files = filesUnder(UPLOAD_DIR);
    expect(files.length).toBeGreaterThan(0);
    expect(files.some((f) => f.endsWith('.tmp'))).toBe(false);
    for (const f of files) {
      const bytes = fs.readFileSync(f);
      expect(path.basename(f)).not.toBe(originalHash);
      expect(sha256(bytes)).not.toBe(originalHash);
      expect(bytes.includes(exif), f).toBe(false);
      expect(bytes.includes(SECRET_MAKE), f).toBe(false);
      expect(bytes.includes(SECRET_MODEL), f).toBe(false);
    }
  });

  it('reads the capture time in the zone OffsetTimeOriginal names, Asia/Shanghai without one, and nothing from an implausible or missing date', async () => {
    const exifOf = async (ifd2: Record<string, string>) =>
      (await sharp(await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).withExif({ IFD2: ifd2 }).jpeg().toBuffer()).metadata()).exif;
    expect(captureTimeOf(await exifOf({ DateTimeOriginal: '2026:03:05 14:30:00', OffsetTimeOriginal: '-05:00' }))).toBe('2026-03-05T19:30:00.000Z');
    expect(captureTimeOf(await exifOf({ DateTimeOriginal: '2026:03:05 14:30:00' }))).toBe('2026-03-05T06:30:00.000Z');
    expect(captureTimeOf(await exifOf({ DateTimeOriginal: '0000:00:00 00:00:00' }))).toBeNull();
    expect(captureTimeOf(undefined)).toBeNull();
    expect(captureTimeOf(Buffer.from('Exif\0\0garbage-garbage'))).toBeNull();
  });

  it('when a PNG and a WebP with EXIF and XMP are uploaded, then each keeps its format without metadata', async () => {
    const raw = Buffer.alloc(300 * 200 * 3, 200);
    const exif = { IFD0: { Make: SECRET_MAKE, Model: SECRET_MODEL } };
    const xmp = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="22,16.75N"/></rdf:RDF></x:xmpmeta>';
    const png = await sharp(raw, { raw: { width: 300, height: 200, channels: 3 } }).withExif(exif).withXmp(xmp).png().toBuffer();
    const webp = await sharp(raw, { raw: { width: 300, height: 200, channels: 3 } }).withExif(exif).withXmp(xmp).webp().toBuffer();
    for (const [buf, format] of [[png, 'png'], [webp, 'webp']] as const) {
      const m = await sharp(buf).metadata();
      expect(m.exif && m.xmp, `${format} test file carries metadata`).toBeTruthy();
    }
    const res = await app.http.post('/api/v1/documents').set({ Authorization: `Bearer ${await app.token(U.v1)}` })
      .attach('file', png, { filename: 'a.png', contentType: 'image/png' })
      .attach('file', webp, { filename: 'b.webp', contentType: 'image/webp' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.documents.map((d: { mime: string }) => d.mime)).toEqual(['image/png', 'image/webp']);
    for (const [i, format] of ['png', 'webp'].entries()) {
      const stored = fs.readFileSync(path.join(UPLOAD_DIR, res.body.documents[i].id));
      expect(sha256(stored)).toBe(res.body.documents[i].id);
      expect(res.body.documents[i].size).toBe(stored.length);
      const m = await sharp(stored).metadata();
      expect(m.format).toBe(format);
      expect([m.width, m.height]).toEqual([300, 200]); // never enlarged
      expect(m.exif).toBeUndefined();
      expect(m.xmp).toBeUndefined();
      expect(stored.includes(SECRET_MAKE)).toBe(false);
      expect(stored.includes('GPSLatitude')).toBe(false);
      // PNG text/EXIF chunks, WebP EXIF/XMP chunks
      for (const chunk of ['eXIf', 'iTXt', 'tEXt', 'zTXt', 'EXIF', 'XMP ']) expect(stored.includes(chunk), `${format} ${chunk}`).toBe(false);
    }
  });

  it('when a HEIC photo is picked, then the form is refused with 422 and a message saying to send JPEG', async () => {
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'), Buffer.alloc(2000, 7)]);
    const form = formOf((await vendor.get(`/projects/${projectId}`)).text, 'RECORD_DELIVERY');
    const before = (await a.project(U.c1, projectId)).version;
    const res = await vendor.post(form.action)
      .field('expectedVersion', form.version).field('itemId', itemId).field('quantity', '1')
      .attach('evidence', heic, { filename: 'IMG_0001.HEIC', contentType: 'image/heic' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('HEIC');
    expect(res.text).toContain('JPEG');
    expect((await a.project(U.c1, projectId)).version).toBe(before);
    const en = await app.http.post('/api/v1/documents').set({ Authorization: `Bearer ${await app.token(U.v1)}` })
      .attach('file', heic, { filename: 'IMG_0001.HEIC', contentType: 'image/heic' });
    expect(en.status).toBe(422);
    expect(en.body.error.code).toBe('HEIC_NOT_ACCEPTED');
  });

  it('when an image of more than 10 MB (under 30) arrives, then it is accepted and stored re-encoded; over 30 MB it is refused with 413', async () => {
    const big = await noisyJpeg(2600, 2000);
    expect(big.length).toBeGreaterThan(10 * MB);
    expect(big.length).toBeLessThan(30 * MB);
    const auth = { Authorization: `Bearer ${await app.token(U.v1)}` };
    const ok = await app.http.post('/api/v1/documents').set(auth).attach('file', big, { filename: 'big.jpg', contentType: 'image/jpeg' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    const stored = fs.readFileSync(path.join(UPLOAD_DIR, ok.body.documents[0].id));
    expect(stored.length).toBeLessThanOrEqual(10 * MB);
    const m = await sharp(stored).metadata();
    expect(Math.max(m.width!, m.height!)).toBe(2048);

    const tooBig = Buffer.concat([big.subarray(0, 4096), Buffer.alloc(31 * MB - 4096, 0x55)]);
    const form = formOf((await vendor.get(`/projects/${projectId}`)).text, 'RECORD_DELIVERY');
    const refused = await vendor.post(form.action)
      .field('expectedVersion', form.version).field('itemId', itemId).field('quantity', '1')
      .attach('evidence', tooBig, { filename: 'huge.jpg', contentType: 'image/jpeg' });
    expect(refused.status).toBe(413);
    expect(refused.text).toContain('30 MB');
  });

  it('when a 9 MB PDF is uploaded, then it is stored unchanged; an 11 MB PDF is refused with 413', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n% delivery note\n', 'latin1'), Buffer.alloc(9 * MB, 0x20), Buffer.from('\n%%EOF\n', 'latin1')]);
    const auth = { Authorization: `Bearer ${await app.token(U.v1)}` };
    const ok = await app.http.post('/api/v1/documents').set(auth).attach('file', pdf, { filename: '送货单.pdf', contentType: 'application/pdf' });
    expect(ok.status).toBe(201);
    expect(ok.body.documents[0].id).toBe(sha256(pdf));
    expect(fs.readFileSync(path.join(UPLOAD_DIR, sha256(pdf))).equals(pdf)).toBe(true);
    const tooBig = Buffer.concat([pdf, Buffer.alloc(2 * MB, 0x20)]);
    const refused = await app.http.post('/api/v1/documents').set(auth).attach('file', tooBig, { filename: 'big.pdf', contentType: 'application/pdf' });
    expect(refused.status).toBe(413);
    expect(fs.existsSync(path.join(UPLOAD_DIR, sha256(tooBig)))).toBe(false);
  });

  it('when a refused form had a photo, then it comes back with both inputs and the photo kept as a pending upload', async () => {
    const photo = await sharp(Buffer.alloc(64 * 48 * 3, 90), { raw: { width: 64, height: 48, channels: 3 } }).jpeg().toBuffer();
    const form = formOf((await vendor.get(`/projects/${projectId}`)).text, 'RECORD_DELIVERY');
    const refused = await vendor.post(form.action)
      .field('expectedVersion', form.version).field('itemId', itemId).field('quantity', '99')
      .attach('evidence', photo, { filename: '现场.jpg', contentType: 'image/jpeg' });
    expect(refused.status).toBe(409);
    const again = formOf(refused.text, 'RECORD_DELIVERY').html;
    expect(again).toMatch(/name="pendingDocuments" value="evidence:[0-9a-f]{64}"/);
    expect(again).toContain('<li>现场.jpg</li>');
    expect(again).toContain('capture="environment"');
    expect([...again.matchAll(/type="file"/g)]).toHaveLength(2);
  });

  it('when `documents scrub` runs over a photo stored before re-encoding, then the file loses its metadata, the id stays, the replacement is recorded and the new bytes are served', async () => {
    // as the old code stored it: the bytes as sent, named by their sha256, and the row
    const { jpeg } = await phonePhoto();
    const small = await sharp(jpeg).resize(800).keepExif().jpeg().toBuffer(); // still orientation 6 and the GPS
    expect((await sharp(small).metadata()).exif).toBeDefined();
    const id = sha256(small);
    fs.mkdirSync(UPLOAD_DIR, { recursive: true });
    fs.writeFileSync(path.join(UPLOAD_DIR, id), small);
    const v1 = await app.deps.db('users').where({ email: U.v1 }).first('id');
    const at = app.clock.now().toISOString();
    await app.deps.db('documents').insert({ id, filename: 'old-photo.jpg', mime: 'image/jpeg', size: small.length, uploaded_by: v1.id, uploaded_at: at });
    await app.deps.db('document_uploads').insert({ document_id: id, user_id: v1.id, size: small.length, uploaded_at: at });
    // named by a history row before the scrub
    await a.ok(U.v1, projectId, 'RECORD_DELIVERY', { itemId, quantity: 1, evidence: [id] });

    const result = await app.deps.services.documents.scrub();
    expect(result.replaced).toBeGreaterThanOrEqual(1);
    const now = fs.readFileSync(path.join(UPLOAD_DIR, id));
    expectNoJpegMetadata(now);
    expect(now.includes(SECRET_MAKE)).toBe(false);
    const m = await sharp(now).metadata();
    expect([m.width, m.height]).toEqual([600, 800]); // upright
    const newHash = sha256(now);
    expect(newHash).not.toBe(id);

    const row = await app.deps.db('documents').where({ id }).first();
    expect(row.content_sha256).toBe(newHash);
    expect(Number(row.size)).toBe(now.length);
    expect(row.captured_at).toBe('2026-03-05T06:30:00.000Z');
    const replacements = await app.deps.db('document_replacements').where({ document_id: id });
    expect(replacements).toHaveLength(1);
    expect(replacements[0]).toMatchObject({ old_sha256: id, new_sha256: newHash, replaced_at: app.clock.now().toISOString() });
    expect(Number(replacements[0].old_size)).toBe(small.length);

    // the history still names the id, and the id serves the scrubbed bytes
    const history = await app.deps.engine.history(projectId);
    expect(history.some((h) => (h.payload.evidence as string[] | undefined)?.includes(id))).toBe(true);
    const got = await vendor.get(`/documents/${id}`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(got.status).toBe(200);
    expect(sha256(got.body as Buffer)).toBe(newHash);
    expect(got.headers.etag).toBe(`"${newHash}"`);
    // the project file's ZIP still finds it
    const zip = await (await agentFor(app, U.c1)).get(`/projects/${projectId}/file.zip`);
    expect(zip.status).toBe(200);

    // a second run finds nothing left to do
    expect((await app.deps.services.documents.scrub()).replaced).toBe(0);
    expect(await app.deps.db('document_replacements').where({ document_id: id })).toHaveLength(1);
  });
});
