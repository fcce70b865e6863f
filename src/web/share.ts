// Notices on the board and in chat (issue 12 item 4): the QR code printed with a notice, and the
// tags a chat app (WeChat, DingTalk …) reads when a link is pasted: <title>, the description, Open
// Graph's title, description, URL, type and image. Every address is absolute, from BASE_URL.
import QRCode from 'qrcode';
import { absoluteUrl } from '../lib/urls.js';
import { assets } from './assets.js';

/** The small square picture chat apps show beside a link (src/web/static/share.png, 300 × 300). */
export const SHARE_IMAGE = 'share.png';

export interface ShareTags {
  title: string;
  description: string;
  /** absolute */
  url: string;
  /** absolute, a PNG */
  image: string;
  /** where the page shows the same image early in its body (WeChat takes the first <img>) */
  imageHref: string;
  type: 'article' | 'website';
}

export function shareTags(baseUrl: string, o: { title: string; description: string; path: string; type?: ShareTags['type'] }): ShareTags {
  const imageHref = assets().href(SHARE_IMAGE);
  return {
    title: o.title,
    description: o.description.length > 200 ? `${o.description.slice(0, 199)}…` : o.description,
    url: absoluteUrl(baseUrl, o.path),
    image: absoluteUrl(baseUrl, imageHref),
    imageHref,
    type: o.type ?? 'article',
  };
}

const cache = new Map<string, string>();

/**
 * The QR code of `url` as inline SVG (no script, no external reference: it prints with the page),
 * labelled for screen readers. Cached: a notice's address does not change.
 */
export async function qrSvg(url: string, label: string): Promise<string> {
  const key = `${url}\n${label}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 4, color: { dark: '#000000', light: '#ffffff' } });
  const escaped = label.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const out = svg.trim().replace(/^<svg /, `<svg class="qr" role="img" aria-label="${escaped}" width="160" height="160" `);
  if (cache.size > 500) cache.clear();
  cache.set(key, out);
  return out;
}
