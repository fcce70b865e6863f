// Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): a browser or
// client that has signed in to an account before carries a cookie, signed with the server's secret,
// that names a random nonce bound to that account. Failed log-ins from such a device are counted
// for the device alone, so a burst of wrong passwords elsewhere cannot keep the owner out.
// One cookie per account (its name is a keyed hash of the e-mail, so the cookie does not show it).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const DEVICE_COOKIE_PREFIX = 'wss.device.';
/** How long a device stays known: half a year after its last sign-in. */
export const DEVICE_COOKIE_MAX_AGE_MS = 180 * 24 * 3600_000;

const mac = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('base64url');

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function deviceCookieName(secret: string, email: string): string {
  return `${DEVICE_COOKIE_PREFIX}${mac(secret, `device-name|${normaliseEmail(email)}`).slice(0, 16)}`;
}

export interface DeviceCookie {
  name: string;
  value: string;
  nonce: string;
}

export function issueDeviceCookie(secret: string, email: string): DeviceCookie {
  const nonce = randomBytes(12).toString('base64url');
  return { name: deviceCookieName(secret, email), value: `${nonce}.${mac(secret, `device|${normaliseEmail(email)}|${nonce}`)}`, nonce };
}

/** The nonce of a device cookie issued for this account by this server, or null. */
export function verifyDeviceCookie(secret: string, email: string, value: string | undefined): string | null {
  if (!value) return null;
  const m = /^([\w-]{8,32})\.([\w-]{40,50})$/.exec(value);
  if (!m) return null;
  const expected = Buffer.from(mac(secret, `device|${normaliseEmail(email)}|${m[1]}`));
  const given = Buffer.from(m[2]!);
  return expected.length === given.length && timingSafeEqual(expected, given) ? m[1]! : null;
}
