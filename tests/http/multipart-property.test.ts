// Property (issue 9): random multipart bodies — well-formed and malformed (no boundary, a wrong
// boundary, truncated, CR/LF and quotes in filenames, part headers without a colon, more fields
// than the parser allows, random bytes named .pdf/.jpg, random field names and values with huge,
// negative, hex and exponent numbers) — sent to the page route that takes files
// (POST /projects/:id/events/:type) never get a 5xx; every refused request changes nothing (the
// project's version, the document links); every project touched still opens, as a page and in the
// API. Page routes that take no files answer every multipart body 415.
import fs from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, goodsProject, invite, shanghaiDay, toDelivery, toPreparing, U, VENDORS, type Api } from '../support/lifecycle.js';
import { agentFor, csrfOf, type Agent } from './pages-helpers.js';

const UPLOAD_DIR = `/tmp/wss-test-uploads-multipart-${process.pid}`;

// ── multipart bodies, built by hand so they can be broken on purpose ──

interface FieldPart { kind: 'field'; name: string; value: string }
interface FilePart { kind: 'file'; name: string; filename: string; contentType: string; content: Buffer }
type Part = FieldPart | FilePart;
type Corruption = 'none' | 'truncate' | 'noBoundary' | 'wrongBoundary' | 'noClosing' | 'headerJunk' | 'garbage' | 'manyFields' | 'bareLf';

interface Shot {
  parts: Part[];
  corruption: Corruption;
  cut: number; // where a truncated body ends, as a fraction
  garbage: Uint8Array;
}

const BOUNDARY = '----wssProperty7MA4YWxkTrZu0gW';

function encode(parts: Part[], boundary = BOUNDARY, eol = '\r\n', junk = false): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = p.kind === 'file' ? `form-data; name="${p.name}"; filename="${p.filename}"` : `form-data; name="${p.name}"`;
    const headers = [`Content-Disposition: ${disposition}`, ...(p.kind === 'file' ? [`Content-Type: ${p.contentType}`] : []), ...(junk ? ['this header has no colon'] : [])];
    chunks.push(Buffer.from(`--${boundary}${eol}${headers.join(eol)}${eol}${eol}`, 'utf8'));
    chunks.push(p.kind === 'file' ? p.content : Buffer.from(p.value, 'utf8'));
    chunks.push(Buffer.from(eol, 'latin1'));
  }
  chunks.push(Buffer.from(`--${boundary}--${eol}`, 'latin1'));
  return Buffer.concat(chunks);
}

/** The Content-Type header and the body of a shot, broken as its corruption says. */
function render(shot: Shot): { contentType: string; body: Buffer } {
  const type = `multipart/form-data; boundary=${BOUNDARY}`;
  const whole = encode(shot.parts);
  switch (shot.corruption) {
    case 'none':
      return { contentType: type, body: whole };
    case 'truncate':
      return { contentType: type, body: whole.subarray(0, Math.floor(whole.length * shot.cut)) };
    case 'noBoundary':
      return { contentType: 'multipart/form-data', body: whole };
    case 'wrongBoundary':
      return { contentType: `multipart/form-data; boundary=${BOUNDARY}x`, body: whole };
    case 'noClosing':
      return { contentType: type, body: whole.subarray(0, whole.length - `--${BOUNDARY}--\r\n`.length) };
    case 'headerJunk':
      return { contentType: type, body: encode(shot.parts, BOUNDARY, '\r\n', true) };
    case 'garbage':
      return { contentType: type, body: Buffer.from(shot.garbage) };
    case 'manyFields':
      return { contentType: type, body: encode([...shot.parts, ...Array.from({ length: 1_200 }, (_, i): Part => ({ kind: 'field', name: `f${i}`, value: String(i) }))]) };
    case 'bareLf':
      return { contentType: type, body: encode(shot.parts, BOUNDARY, '\n') };
  }
}

// ── what goes into the parts ──

const number = fc.oneof(
  fc.constantFrom('9007199254740993', '1e300', '-1', '-100', '0', '0.5', '12.34', '1e13', '0x64', '0x10', '1e3', '１００', ' 7 ', 'NaN', 'Infinity', '-0', '1,000', '¥100', '9'.repeat(400)),
  fc.integer({ min: -1_000_000, max: 100_000_000 }).map(String),
  fc.double().map(String),
);
const nasty = fc.constantFrom('a\u0000b', '\u200B\u200D', 'x\uD800', 'line\r\nbreak', '\uFEFF', '评论\n', '正常文字', '', ' ', 'x'.repeat(100_001), `--${BOUNDARY}`);
const value = fc.oneof(number, nasty, fc.string({ maxLength: 20 }), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }));
const knownField = fc.constantFrom(
  'text', 'amountFen', 'validUntil', 'itemId', 'quantity', 'serials', 'beneficiaryRef', 'members', 'present', 'heldOn', 'minutes',
  'expectedVersion', 'attachments', 'evidence', 'minutesFile', 'items.0.name', 'items.0.quantity', '_csrf', 'lang',
);
const oddField = fc.constantFrom('__proto__', 'constructor', 'prototype', '__proto__[x]', 'a[b]', 'a[]', 'hasOwnProperty', '', ' ', '名字', 'x'.repeat(300), 'a"b', 'a\rb');
const fieldName = fc.oneof({ weight: 4, arbitrary: knownField }, { weight: 2, arbitrary: oddField }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });

const PDF = Buffer.from('%PDF-1.4\n% 多部分测试\n%%EOF\n', 'latin1');
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(40, 1)]);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(40, 7)]);
const content = fc.oneof(
  fc.constantFrom(PDF, JPEG, PNG, Buffer.alloc(0), Buffer.from('<html><script>alert(1)</script>')),
  // real magic numbers with random tails (each a distinct document)
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.concat([PDF, Buffer.from(b)])),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.concat([JPEG, Buffer.from(b)])),
  fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
);
const filename = fc.oneof(
  fc.constantFrom('quote.pdf', 'photo.jpg', '照片.jpeg', 'a\rb.pdf', 'a\r\nContent-Type: text/html.pdf', 'x"y.pdf', 'evil\u202Egpj.html', '', '../../etc/passwd.pdf', '.pdf', 'x'.repeat(400) + '.pdf'),
  fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom('.pdf', '.jpg', '.png', '.exe', '')).map(([s, ext]) => s + ext),
);
const fileField = fc.oneof({ weight: 5, arbitrary: fc.constantFrom('attachments', 'evidence', 'minutesFile') }, { weight: 1, arbitrary: fieldName });
const part: fc.Arbitrary<Part> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('field' as const), name: fieldName, value }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('file' as const), name: fileField, filename, contentType: fc.constantFrom('application/pdf', 'image/jpeg', 'text/html', 'application/octet-stream', ''), content }) },
);
const corruption = fc.oneof(
  { weight: 8, arbitrary: fc.constant<Corruption>('none') },
  { weight: 4, arbitrary: fc.constantFrom<Corruption>('truncate', 'noBoundary', 'wrongBoundary', 'noClosing', 'headerJunk', 'garbage', 'manyFields', 'bareLf') },
);
const shot: fc.Arbitrary<Shot> = fc.record({
  parts: fc.array(part, { maxLength: 8 }),
  corruption,
  cut: fc.double({ min: 0, max: 1, noNaN: true }),
  garbage: fc.uint8Array({ maxLength: 600 }),
});

describe('multipart bodies (property)', () => {
  let app: TestApp;
  let a: Api;
  const agents = new Map<string, Agent>();
  /** Who may send which file-taking event on which project (and the project's own name in the test). */
  let targets: Array<{ project: string; email: string; types: string[] }>;
  /** The fields a person fills in for each event (so that some shots are accepted), before the random parts. */
  let valid: Record<string, Part[]>;

  beforeAll(async () => {
    app = await createTestApp({ env: { UPLOAD_DIR, UPLOAD_RATE_PER_HOUR: '1000000', UPLOAD_PENDING_QUOTA_MB: '100000' } });
    a = api(app);
    const draft = await a.create(U.c1, goodsProject({ title: '多部分草稿' }));
    const quoting = await a.create(U.c1, goodsProject({ title: '多部分报价' }));
    await toPreparing(app, quoting.id);
    await invite(app, quoting.id, [VENDORS.kangfu]);
    const delivery = await a.create(U.c1, goodsProject({ title: '多部分交付' }));
    const delivering = await toDelivery(app, delivery.id, VENDORS.kangfu, goodsProject().items);
    const field = (name: string, v: string): Part => ({ kind: 'field', name, value: v });
    const file = (name: string, content: Buffer, fn: string): Part => ({ kind: 'file', name, filename: fn, contentType: 'application/pdf', content });
    valid = {
      COMMENT: [field('text', '多部分评论'), file('attachments', PDF, '评论附件.pdf')],
      SUBMIT_QUOTE: [field('amountFen', '1000.00'), field('validUntil', shanghaiDay(app, 60)), file('attachments', PDF, '报价.pdf')],
      RECORD_DELIVERY: [field('itemId', delivering.contract!.items[0]!.id), field('quantity', '1'), file('evidence', JPEG, '交付照片.jpg')],
      RECORD_DELIBERATION: [field('members', '9'), field('present', '7'), field('for', '6'), field('against', '1'), field('abstain', '0'), field('heldOn', shanghaiDay(app))],
    };
    for (const email of [U.c1, U.v1, U.admin]) agents.set(email, await agentFor(app, email));
    targets = [
      { project: draft.id, email: U.c1, types: ['COMMENT', 'RECORD_DELIBERATION', 'SUBMIT'] },
      { project: quoting.id, email: U.v1, types: ['SUBMIT_QUOTE', 'COMMENT', 'RECORD_DELIVERY'] },
      { project: delivery.id, email: U.v1, types: ['RECORD_DELIVERY', 'COMMENT', 'RECTIFIED'] },
      { project: delivery.id, email: U.c1, types: ['COMMENT', 'SIGN_CONTRACT', 'NO_SUCH_EVENT'] },
    ];
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    fs.rmSync(UPLOAD_DIR, { recursive: true, force: true });
  });

  const linkCount = async () => Number((await app.deps.db('document_links').count({ n: '*' }).first())?.n);

  async function opens(id: string) {
    const res = await a.get(U.c1, `/projects/${id}`);
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
    const page = await agents.get(U.c1)!.get(`/projects/${id}`);
    expect(page.status, page.text.slice(0, 300)).toBe(200);
  }

  it('never answers 5xx to random multipart bodies on the event forms; a refused one changes nothing; the project still opens', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.nat(), fc.nat(), shot, fc.constantFrom('current', 'current', 'current', 'stale', 'random', 'absent'), fc.nat(5), value, fc.boolean(),
        async (ti, ei, s, versionKind, csrfDie, randomVersion, startValid) => {
          const withCsrf = csrfDie > 0;
          const target = targets[ti % targets.length]!;
          const type = target.types[ei % target.types.length]!;
          const agent = agents.get(target.email)!;
          const page = await agent.get(`/projects/${target.project}`);
          expect(page.status).toBe(200);
          const version = Number(/name="expectedVersion" value="(\d+)"/.exec(page.text)?.[1] ?? (await a.project(U.c1, target.project)).version);
          const expectedVersion = { current: String(version), stale: String(version - 1), random: randomVersion, absent: undefined }[versionKind];
          const own = [...(startValid ? (valid[type] ?? []) : []), ...s.parts];
          const parts: Part[] = expectedVersion === undefined ? own : [{ kind: 'field', name: 'expectedVersion', value: expectedVersion }, ...own];
          const { contentType, body } = render({ ...s, parts });
          const before = { version: (await a.project(U.c1, target.project)).version, links: await linkCount() };

          const query = withCsrf ? `?_csrf=${encodeURIComponent(csrfOf(page.text))}` : '';
          const res = await agent.post(`/projects/${target.project}/events/${type}${query}`).set('content-type', contentType).send(body);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const what = JSON.stringify({ type, email: target.email, corruption: s.corruption, contentType, status: res.status, answer: res.text.slice(0, 300) });
          expect(res.status, what).toBeLessThan(500);
          if (res.status !== 303) {
            expect((await a.project(U.c1, target.project)).version, what).toBe(before.version);
            expect(await linkCount(), what).toBe(before.links);
          }
          await opens(target.project);
        },
      ),
      { numRuns: 80, seed: 20261205 },
    );
    // the property saw accepted events and refusals of several kinds, not one answer throughout
    expect(statuses.get(303) ?? 0, JSON.stringify([...statuses])).toBeGreaterThan(0);
    expect([...statuses.keys()].filter((s) => s >= 400).length, JSON.stringify([...statuses])).toBeGreaterThan(2);
  }, 120_000);

  it('answers 415 to every multipart body sent to a page that takes no files, and that page still works', async () => {
    const anonymous = await agentFor(app);
    const routes: Array<{ path: string; agent: () => Agent }> = [
      { path: '/login', agent: () => anonymous },
      { path: '/admin/allocations', agent: () => agents.get(U.admin)! },
      { path: '/projects/new', agent: () => agents.get(U.c1)! },
      { path: '/profile', agent: () => agents.get(U.c1)! },
      { path: '/logout', agent: () => agents.get(U.c1)! },
      { path: '/projects/x/events', agent: () => agents.get(U.c1)! },
      { path: '/projects/x/events/COMMENT/extra', agent: () => agents.get(U.c1)! },
    ];
    const multipartType = fc.constantFrom('multipart/form-data', 'Multipart/Form-Data', 'multipart/mixed', 'multipart/related', 'multipart/x-anything');
    await fc.assert(
      fc.asyncProperty(fc.nat(), shot, multipartType, async (ri, s, mtype) => {
        const route = routes[ri % routes.length]!;
        const { contentType, body } = render(s);
        const sent = contentType.replace(/^multipart\/form-data/, mtype);
        const res = await route.agent().post(route.path).set('content-type', sent).send(body);
        expect(res.status, JSON.stringify({ path: route.path, contentType: sent, corruption: s.corruption, answer: res.text.slice(0, 300) })).toBe(415);
      }),
      { numRuns: 40, seed: 415 },
    );
    // the sessions are intact: the community user is still signed in and projects still open
    for (const t of targets) await opens(t.project);
    expect((await agents.get(U.admin)!.get('/admin/allocations')).status).toBe(200);
  }, 60_000);
});
