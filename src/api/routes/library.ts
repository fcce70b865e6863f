// The service-project library (服务项目库): every signed-in user may read it (communities start
// proposals from it: POST /projects with `libraryEntryId`). Admins maintain it on the pages.
import express from 'express';
import type { Deps } from '../../deps.js';
import { h } from '../handler.js';

export function libraryRoutes(deps: Deps): express.Router {
  const { library } = deps.services;
  const r = express.Router();
  r.get('/library', h(async (req, res) => {
    res.json(await library.list(req.query));
  }));
  r.get('/library/:id', h(async (req, res) => {
    res.json({ entry: await library.get(String(req.params.id)) });
  }));
  return r;
}
