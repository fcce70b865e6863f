// Issue 12 item 4: notices on the board and in chat. The QR code on a notice page and on the printed
// notice is drawn on the server as SVG; rendered to pixels (sharp) and read back (jsQR) it gives the
// notice's absolute address from BASE_URL. A link pasted into a chat app shows the project's title
// and notice period: <title>, the description and Open Graph tags, and a PNG it can fetch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import jsQRModule from 'jsqr';
import { createTestApp, type TestApp } from '../support/app.js';
import { api, DELIBERATION_OK, goodsProject, GOOD_CHECKLIST, shanghaiDay, U, type Project } from '../support/lifecycle.js';
import { formatShanghai } from '../../src/lib/calendar.js';
import { loadConfig } from '../../src/config.js';

// jsqr is CommonJS: under NodeNext its default import is the module, whose `default` is the function.
type JsQR = typeof jsQRModule.default;
const jsQR: JsQR = ((jsQRModule as unknown as { default?: JsQR }).default ?? jsQRModule) as JsQR;

const BASE_URL = 'https://wss.example.gov.cn/';
const ORIGIN = 'https://wss.example.gov.cn';

let app: TestApp;
let p: Project;

/** The text a QR code in this SVG decodes to (null when none is found). */
async function decodeSvg(svg: string): Promise<string | null> {
  const { data, info } = await sharp(Buffer.from(svg), { density: 300 }).resize(400, 400, { kernel: 'nearest' }).flatten({ background: '#ffffff' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), info.width, info.height)?.data ?? null;
}

const attr = (html: string, re: RegExp) => {
  const m = re.exec(html);
  return m ? m[1]!.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=').replace(/&quot;/g, '"') : null;
};
const meta = (html: string, key: string) => attr(html, new RegExp(`<meta (?:name|property)="${key.replace(/[:.]/g, '\\$&')}" content="([^"]*)">`));

beforeAll(async () => {
  app = await createTestApp({ env: { BASE_URL } });
  const a = api(app);
  p = await a.create(U.c1, goodsProject({ title: '二维码公示测试：楼道扶手' }));
  await a.ok(U.c1, p.id, 'SUBMIT');
  await a.ok(U.c2, p.id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
  p = await a.ok(U.c1, p.id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(app) });
  expect(p.state).toBe('public_notice');
});
afterAll(async () => app?.close());

describe('the QR code on a notice', () => {
  it('when the notice page and the printed notice are opened, then each QR code decodes to the notice page\'s absolute address from BASE_URL', async () => {
    const url = `${ORIGIN}/public/notices/${p.id}`;
    for (const path of [`/public/notices/${p.id}`, `/public/notices/${p.id}?lang=en`, `/public/projects/${p.id}/notice`, `/public/projects/${p.id}/notice?lang=en`]) {
      const res = await app.http.get(path);
      expect(res.status, path).toBe(200);
      const svg = /<svg class="qr"[\s\S]*?<\/svg>/.exec(res.text)?.[0];
      expect(svg, `${path} carries an inline SVG QR code`).toBeTruthy();
      expect(svg).toMatch(/role="img" aria-label="[^"]+"/);
      expect(svg).not.toMatch(/<script|href=/);
      expect(await decodeSvg(svg!), path).toBe(url);
    }
    // the printed notice says the same address in words, for those who type it
    expect((await app.http.get(`/public/projects/${p.id}/notice`)).text).toContain(url);
  });
});

describe('a notice link pasted into a chat app', () => {
  it('when a chat app reads the notice and project pages, then title, description and Open Graph tags name the project and its notice period, with absolute addresses', async () => {
    const notice = (p.notices as Array<{ startedAt: string; endsAt: string }>).at(-1)!;
    const period = `公示期：自${formatShanghai(notice.startedAt, 'date')}至${formatShanghai(notice.endsAt, 'date')}`;
    for (const [path, canonical] of [
      [`/public/notices/${p.id}`, `${ORIGIN}/public/notices/${p.id}`],
      [`/public/projects/${p.id}`, `${ORIGIN}/public/projects/${p.id}`],
      [`/public/projects/${p.id}/notice`, `${ORIGIN}/public/projects/${p.id}/notice`],
    ] as const) {
      const html = (await app.http.get(path)).text;
      expect(attr(html, /<title>([^<]*)<\/title>/), path).toContain('二维码公示测试：楼道扶手');
      for (const key of ['description', 'og:description']) {
        expect(meta(html, key), `${path} ${key}`).toContain('二维码公示测试：楼道扶手');
        expect(meta(html, key), `${path} ${key}`).toContain(period);
      }
      expect(meta(html, 'og:title'), path).toContain('二维码公示测试：楼道扶手');
      expect(meta(html, 'og:url'), path).toBe(canonical);
      expect(meta(html, 'og:type'), path).toBe('article');
      const image = meta(html, 'og:image');
      expect(image, path).toMatch(new RegExp(`^${ORIGIN}/static/share\\.[0-9a-f]{8}\\.png$`));
      // the same picture early in the body: WeChat takes the first <img> on the page
      const firstImg = attr(html.slice(html.indexOf('<body')), /<img [^>]*src="([^"]+)"/);
      if (!path.endsWith('/notice')) expect(firstImg, path).toBe(image!.slice(ORIGIN.length));
      // og:image fetches as a PNG
      const png = await app.http.get(image!.slice(ORIGIN.length)).buffer(true);
      expect(png.status).toBe(200);
      expect(png.headers['content-type']).toBe('image/png');
      expect((png.body as Buffer).subarray(1, 4).toString('latin1')).toBe('PNG');
      const meta2 = await sharp(png.body as Buffer).metadata();
      expect(Math.min(meta2.width ?? 0, meta2.height ?? 0)).toBeGreaterThanOrEqual(200);
    }
    // in English, the period in English
    const en = (await app.http.get(`/public/notices/${p.id}?lang=en`)).text;
    expect(meta(en, 'og:description')).toMatch(/Notice period: \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}/);
    expect(meta(en, 'og:url')).toBe(`${ORIGIN}/public/notices/${p.id}?lang=en`);
  });

  it('when the notice has ended, then the page says so and the QR code still leads to it', async () => {
    const a = api(app);
    const q = await a.create(U.c1, goodsProject({ title: '公示结束后的页面' }));
    await a.ok(U.c1, q.id, 'SUBMIT');
    await a.ok(U.c2, q.id, 'SCREEN_PASS', { checklist: GOOD_CHECKLIST });
    const noticed = await a.ok(U.c1, q.id, 'RECORD_DELIBERATION', { ...DELIBERATION_OK, heldOn: shanghaiDay(app) });
    await a.advance(Date.parse(String(noticed.deadlines.noticeEndsAt)) - app.clock.now().getTime() + 60_000);
    const html = (await app.http.get(`/public/notices/${q.id}`)).text;
    expect(meta(html, 'description')).toContain('公示期已结束');
    expect(await decodeSvg(/<svg class="qr"[\s\S]*?<\/svg>/.exec(html)![0])).toBe(`${ORIGIN}/public/notices/${q.id}`);
  });
});

describe('BASE_URL', () => {
  it('when production starts without BASE_URL, then it refuses with a clear message; e-mail links and QR codes share one base without a doubled slash', async () => {
    expect(() => loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40) })).toThrow(/BASE_URL .*required when NODE_ENV=production/);
    expect(app.deps.config.baseUrl).toBe(ORIGIN);
    // an e-mail from this app (SUBMIT above told the community's reviewers) links with the same base
    const mails = await app.deps.db('outbox').select('text', 'html');
    const links = mails.flatMap((m: { text: string | null; html: string | null }) => `${m.text ?? ''} ${m.html ?? ''}`.match(/https?:\/\/[^\s"<>]+\/projects\/[^\s"<>]+/g) ?? []);
    expect(links.length).toBeGreaterThan(0);
    for (const l of links) expect(l.startsWith(`${ORIGIN}/projects/`), l).toBe(true);
  });
});
