// Absolute addresses from BASE_URL (config.baseUrl): e-mail links, the QR code on a notice, the
// chat-app preview tags and OCDS URIs all build them here, so they agree.

/** `${baseUrl}${path}` with exactly one slash between them. */
export function absoluteUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
