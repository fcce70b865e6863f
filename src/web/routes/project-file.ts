// The project file (一项目一档案): GET /projects/:id/file, a printable A4 page, and
// GET /projects/:id/file.zip, the same page as index.html with every document it lists (under
// documents/<kind>/<name>) and history.json (the history as the viewer may see it, with its hashes
// and what is needed to check them). Staff with the project in scope only (project-file-service.ts).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import express, { type Request } from 'express';
import { ZipArchive } from 'archiver';
import type { Deps } from '../../deps.js';
import { langOf, page, render, requireRole } from '../render.js';
import { STATIC_DIR, assets } from '../assets.js';
import { idParam } from '../params.js';
import { createProjectFileService, historyJson, type ProjectFile } from '../../projectfile/project-file-service.js';
import { archivePaths, projectFileView } from '../../projectfile/project-file-view.js';
import type { Lookups } from '../labels.js';
import { LANGS } from '../../lib/i18n.js';


function disposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export function projectFileRoutes(deps: Deps): express.Router {
  const r = express.Router();
  const { services } = deps;
  const files = createProjectFileService({ db: deps.db, engine: deps.engine, projects: services.projects, documents: services.documents });

  async function lookups(): Promise<Lookups> {
    const [streets, communities, categories, groups, vendors] = await Promise.all([
      services.reference.streets(), services.reference.communities(), services.reference.categories(undefined, { all: true }),
      services.reference.groups(undefined, { all: true }), services.reference.vendors(),
    ]);
    return { streets, communities, categories, groups, vendors };
  }

  function view(req: Request, file: ProjectFile, mode: 'web' | 'archive', lookupsNow: Lookups) {
    return projectFileView(file, { lang: langOf(req), lookups: lookupsNow, mode, generatedAt: deps.clock.now().toISOString() });
  }

  r.get('/projects/:id/file', requireRole(), page(async (req, res) => {
    const file = await files.build(req.user!, idParam(req));
    const model = view(req, file, 'web', await lookups());
    res.setHeader('Cache-Control', 'private, no-store');
    render(req, res, 'pages/projects/file', { ...model, layout: 'print', printCss: [assets().href('project-file.css')] });
  }));

  r.get('/projects/:id/file.zip', requireRole(), page(async (req, res) => {
    const file = await files.build(req.user!, idParam(req));
    const model = view(req, file, 'archive', await lookups());
    // the page without the server: its style inline, its documents by their place in the archive
    const css = (await Promise.all(['print-notice.css', 'project-file.css'].map((f) => fsp.readFile(path.join(STATIC_DIR, f), 'utf8')))).join('\n');
    const lang = langOf(req);
    const html = await new Promise<string>((resolve, reject) => {
      res.app.render('pages/projects/file', {
        lang, htmlLang: lang, otherLangs: LANGS.filter((l) => l !== lang), ...model, layout: 'print', inlineCss: css,
      }, (err, out) => (err ? reject(err) : resolve(out)));
    });
    const paths = archivePaths(file.documents);
    // every document must be there before anything is sent: a missing file is an error page, not half a ZIP
    const entries = [...paths.entries()].map(([id, name]) => ({ file: path.join(deps.config.uploadDir, id), name }));
    for (const e of entries) await fsp.access(e.file);

    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', disposition(`${file.project.ref}-档案.zip`));
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    const zip = new ZipArchive({ zlib: { level: 6 } });
    const done = new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      res.on('close', () => resolve());
      res.on('finish', () => resolve());
    });
    zip.pipe(res);
    const date = new Date(deps.clock.now().toISOString());
    zip.append(html, { name: 'index.html', date });
    zip.append(JSON.stringify(historyJson(file, req.user!, deps.clock.now().toISOString()), null, 2), { name: 'history.json', date });
    for (const e of entries) zip.append(fs.createReadStream(e.file), { name: e.name, date });
    await zip.finalize();
    await done;
  }));

  return r;
}
