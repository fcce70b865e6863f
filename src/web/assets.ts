// Static files with their content's hash in the name (issue 12 item 3): at startup every file in
// src/web/static is hashed (sha256, first 8 hex digits) and served at /static/<name>.<hash>.<ext>
// with `Cache-Control: public, max-age=31536000, immutable`. Templates name a file with
// {{asset "app.css"}}, so a changed file gets a new address and no browser keeps a stale copy.
// The plain name (/static/app.css) redirects to the current address, uncached; any other hash is
// not found, so an immutable cache can never hold the wrong content under a name.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import { fromRoot } from '../lib/paths.js';

export const STATIC_DIR = fromRoot('src', 'web', 'static');

export const IMMUTABLE = 'public, max-age=31536000, immutable';

export interface Asset {
  /** the file's name in the folder, e.g. app.css */
  name: string;
  /** its address, e.g. /static/app.3f2a9c1d.css */
  href: string;
  hash: string;
  file: string;
}

export interface AssetManifest {
  /** the hashed address of a file in the folder; throws for a file that is not there (a template's typo shows at once) */
  href(name: string): string;
  byName: ReadonlyMap<string, Asset>;
  byHashedName: ReadonlyMap<string, Asset>;
}

/** The hashed name of `name` (a.b.css → a.b.<hash>.css; no extension → name.<hash>). */
export function hashedName(name: string, hash: string): string {
  const ext = path.extname(name);
  return ext ? `${name.slice(0, -ext.length)}.${hash}${ext}` : `${name}.${hash}`;
}

/** Reads and hashes every file in `dir` (its top level: the folder is flat), once. */
export function buildManifest(dir: string = STATIC_DIR): AssetManifest {
  const byName = new Map<string, Asset>();
  const byHashedName = new Map<string, Asset>();
  const entries = fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : [];
  for (const entry of entries) {
    if (entry.name.startsWith('.') || !entry.isFile()) continue;
    const file = path.join(dir, entry.name);
    const hash = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 8);
    const hashed = hashedName(entry.name, hash);
    const asset: Asset = { name: entry.name, href: `/static/${hashed}`, hash, file };
    byName.set(entry.name, asset);
    byHashedName.set(hashed, asset);
  }
  return {
    byName,
    byHashedName,
    href(name: string) {
      const a = byName.get(name.replace(/^\/?(static\/)?/, ''));
      if (!a) throw new Error(`no static file ${name} in ${dir}`);
      return a.href;
    },
  };
}

let current: { manifest: AssetManifest; at: number } | undefined;
let live = false;

/** In development an edited file gets its new hash within a second, as edited templates show at once. */
export function watchAssets(on: boolean): void {
  live = on;
}

/** The manifest of src/web/static, computed once at startup (the views and the router ask for it). */
export function assets(): AssetManifest {
  if (!current || (live && Date.now() - current.at > 1000)) current = { manifest: buildManifest(), at: Date.now() };
  return current.manifest;
}

/** /static/<name>.<hash>.<ext>: the file, immutable; /static/<name>: a redirect to it; anything else: 404. */
export function staticRouter(manifestOf: () => AssetManifest = assets): express.Router {
  const r = express.Router();
  r.get('/static/:file', (req, res, next) => {
    const manifest = manifestOf();
    const rel = String(req.params.file);
    const hashed = manifest.byHashedName.get(rel);
    if (hashed) {
      res.setHeader('Cache-Control', IMMUTABLE);
      return res.sendFile(hashed.file, { etag: true, lastModified: false, cacheControl: false, dotfiles: 'deny' }, (err) => (err ? next(err) : undefined));
    }
    const plain = manifest.byName.get(rel);
    if (plain) {
      res.setHeader('Cache-Control', 'no-cache');
      return res.redirect(302, plain.href);
    }
    next();
  });
  return r;
}
