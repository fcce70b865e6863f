// The name a document is served under: its stored name with control, bidirectional-override and
// other invisible format characters removed, and an extension that matches the type sniffed from
// its bytes at upload (never `.html` or anything a browser would run).
const EXTENSIONS: Record<string, string> = {
  'application/pdf': 'pdf',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
};

// C0/C1 controls, DEL, bidi embeddings/overrides/isolates and marks, zero-width and other format characters.
// eslint-disable-next-line no-control-regex -- matching control characters is what this pattern is for
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A file name with no path and none of the characters above (and no quotes or angle brackets): what is stored. */
export function cleanFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  return base.replace(UNSAFE, '').replace(/["<>]/g, '').trim().slice(0, 200) || 'document';
}

/** The download name for a document of type `mime` stored as `stored`. */
export function servedFilename(stored: string, mime: string): string {
  const ext = EXTENSIONS[mime.split(';')[0]!.trim().toLowerCase()] ?? 'bin';
  const clean = stored.replace(UNSAFE, '').replace(/[/\\]/g, '_').trim();
  // Drop every extension the name claims (a.html.pdf stays honest only by its last one) that is not the real one.
  let base = clean.replace(/^\.+/, '');
  const dot = base.lastIndexOf('.');
  if (dot > 0) base = base.slice(0, dot);
  base = base.replace(/[.\s]+$/, '').slice(0, 150) || 'document';
  return `${base}.${ext}`;
}
