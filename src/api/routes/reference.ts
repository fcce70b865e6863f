// Reference data every signed-in user may read: vendors, communities, streets, categories.
import express from 'express';
import type { Deps } from '../../deps.js';
import { h } from '../handler.js';

export function referenceRoutes(deps: Deps): express.Router {
  const { reference } = deps.services;
  const r = express.Router();
  r.get('/vendors', h(async (_req, res) => {
    res.json({ vendors: await reference.vendors() });
  }));
  r.get('/communities', h(async (_req, res) => {
    res.json({ communities: await reference.communities() });
  }));
  r.get('/streets', h(async (_req, res) => {
    res.json({ streets: await reference.streets() });
  }));
  r.get('/categories', h(async (_req, res) => {
    res.json({ categories: await reference.categories() });
  }));
  return r;
}
