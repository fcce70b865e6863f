// Users: list, create with role and scope, reset password, disable / enable.
import express from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps.js';
import { t } from '../../lib/i18n.js';
import { flash, langOf, page, render } from '../render.js';
import { field, idParam, parseForm } from '../params.js';
import { PASSWORD_FORM, presentUser, USER_FORM, userOptions, UserForm } from '../admin-view.js';
import { formView, isFormError } from '../forms/form-view.js';

const PasswordForm = z.object({ password: field(300) });
const DisableForm = z.object({ disabled: field(5) });

export function adminUserRoutes(deps: Deps): express.Router {
  const r = express.Router();
  const admin = deps.services.admin;

  r.get('/users', page(async (req, res) => {
    const lang = langOf(req);
    const m = await admin.users();
    render(req, res, 'pages/admin/users', { title: t(lang, 'admin.users.title'), users: m.users.map((u) => presentUser(lang, u, m)) });
  }));

  const newUserPage = async (req: express.Request, res: express.Response, values: Record<string, string>, err?: unknown, status = 200) => {
    const lang = langOf(req);
    const ref = await admin.userForm();
    render(req, res, 'pages/admin/user-new', {
      title: t(lang, 'admin.users.new'), ...formView({ lang, form: USER_FORM, values, options: userOptions(lang, ref), err }),
    }, status);
  };

  r.get('/users/new', page(async (req, res) => newUserPage(req, res, { role: 'community', lang: 'zh-CN' })));

  r.post('/users', page(async (req, res) => {
    const form = parseForm(req, UserForm);
    try {
      const u = await admin.createUser(req.user!, form);
      flash(req, 'admin.flash.userCreated', { email: u.email });
      res.redirect(303, '/admin/users');
    } catch (err) {
      if (!isFormError(err)) throw err;
      await newUserPage(req, res, { ...form, password: '' }, err, 422);
    }
  }));

  const userPage = async (req: express.Request, res: express.Response, err?: unknown, status = 200) => {
    const lang = langOf(req);
    const m = await admin.user(idParam(req));
    const user = presentUser(lang, m.user, m);
    render(req, res, 'pages/admin/user', { title: user.name, u: user, ...formView({ lang, form: PASSWORD_FORM, err }), isSelf: m.user.id === req.user!.id }, status);
  };

  r.get('/users/:id', page(async (req, res) => userPage(req, res)));

  r.post('/users/:id/password', page(async (req, res) => {
    const { password } = parseForm(req, PasswordForm);
    try {
      await admin.resetPassword(idParam(req), password);
      flash(req, 'admin.flash.passwordReset');
      res.redirect(303, `/admin/users/${encodeURIComponent(idParam(req))}`);
    } catch (err) {
      if (!isFormError(err)) throw err;
      await userPage(req, res, err, 422);
    }
  }));

  r.post('/users/:id/disabled', page(async (req, res) => {
    const { disabled } = parseForm(req, DisableForm);
    await admin.setDisabled(req.user!, idParam(req), disabled === 'true');
    flash(req, disabled === 'true' ? 'admin.flash.userDisabled' : 'admin.flash.userEnabled');
    res.redirect(303, `/admin/users/${encodeURIComponent(idParam(req))}`);
  }));

  return r;
}
