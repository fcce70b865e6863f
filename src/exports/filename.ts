// The download's name: the title's words (Chinese kept) cleaned of anything a file system or a
// header would mind, sent as RFC 6266 `filename` (ASCII) and RFC 5987 `filename*` (UTF-8).
import { cleanFilename } from '../documents/filename.js';
import type { ExportFormat } from './table.js';

/** A name fit for a file: no path, controls, quotes, or characters Windows refuses; spaces as '_'. */
export function safeName(name: string): string {
  return cleanFilename(name).replace(/[\s:：*?|<>"'/\\·]+/g, '_').replace(/_+/g, '_').replace(/^[._]+|_+$/g, '').slice(0, 120) || 'export';
}

/** RFC 5987 value-chars: attr-char stays, everything else percent-encoded (encodeURIComponent leaves ' ( ) * ! ~ alone). */
const encode5987 = (s: string) => encodeURIComponent(s).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function contentDisposition(name: string, asciiName: string, format: ExportFormat): string {
  const utf8 = `${safeName(name)}.${format}`;
  const ascii = `${safeName(asciiName).replace(/[^\x20-\x7e]/g, '_')}.${format}`;
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encode5987(utf8)}`;
}

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};
