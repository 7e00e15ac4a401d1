'use strict';
// Koa API for a notes app: MongoDB, JWT auth, user settings, formulas.

const Koa = require('koa');
const Router = require('@koa/router');
const bodyParser = require('koa-bodyparser');
const jwt = require('jsonwebtoken');
const mongoose = require('mongoose');
const serialize = require('node-serialize');
const vm = require('vm');
const _ = require('lodash');

const app = new Koa();
const router = new Router();
const User = mongoose.model('User', new mongoose.Schema({ name: String, password: String, role: String }));
const Note = mongoose.model('Note', new mongoose.Schema({ owner: String, title: String, body: String }));
const JWT_KEY = process.env.JWT_KEY;

router.post('/login', async (ctx) => {
  const user = await User.findOne({ name: ctx.request.body.name, password: ctx.request.body.password }); // expect: nosql-injection
  ctx.body = { ok: !!user };
});

router.post('/login-safe', async (ctx) => {
  const name = String(ctx.request.body.name);
  const password = String(ctx.request.body.password);
  const user = await User.findOne({ name, password }); // safe: nosql-injection
  ctx.body = { ok: !!user };
});

router.get('/notes/search', async (ctx) => {
  const q = ctx.query.q;
  const notes = await Note.find({ $where: "this.title.indexOf('" + q + "') >= 0" }); // expect: nosql-injection
  ctx.body = notes;
});

router.get('/notes/search-safe', async (ctx) => {
  const q = String(ctx.query.q).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  ctx.body = await Note.find({ title: { $regex: q } }); // safe: nosql-injection
});

function auth(ctx) {
  const token = (ctx.get('Authorization') || '').replace('Bearer ', '');
  return jwt.verify(token, JWT_KEY, { algorithms: ['HS256'] }); // safe: jwt
}

function authLegacy(ctx) {
  const token = (ctx.get('Authorization') || '').replace('Bearer ', '');
  return jwt.decode(token); // expect: jwt
}

function authNone(token) {
  return jwt.verify(token, JWT_KEY, { algorithms: ['HS256', 'none'] }); // expect: jwt
}

function issue(user) {
  return jwt.sign({ sub: user.id }, 'keyboard cat', { expiresIn: '1h' }); // expect: hardcoded-secret
}

function issueSafe(user) {
  return jwt.sign({ sub: user.id }, JWT_KEY, { expiresIn: '1h' }); // safe: hardcoded-secret
}

router.patch('/me', async (ctx) => {
  const me = await User.findById(auth(ctx).sub);
  Object.assign(me, ctx.request.body); // expect: mass-assignment
  await me.save();
  ctx.body = { ok: true };
});

router.patch('/me-safe', async (ctx) => {
  const me = await User.findById(auth(ctx).sub);
  const { name } = ctx.request.body;
  me.set({ name: String(name) }); // safe: mass-assignment
  await me.save();
  ctx.body = { ok: true };
});

router.post('/users', async (ctx) => {
  const user = new User(ctx.request.body); // expect: mass-assignment
  await user.save();
  ctx.body = { id: user.id };
});

const settings = {};
router.post('/settings', (ctx) => {
  _.merge(settings, ctx.request.body); // expect: mass-assignment
  ctx.body = settings;
});

router.post('/settings/:section/:key', (ctx) => {
  const { section, key } = ctx.params;
  settings[section] = settings[section] || {};
  settings[section][key] = ctx.request.body.value; // expect: mass-assignment
  ctx.body = settings;
});

router.post('/settings-safe/:key', (ctx) => {
  const allowed = new Map([['theme', 'light'], ['lang', 'en']]);
  if (allowed.has(ctx.params.key)) allowed.set(ctx.params.key, String(ctx.request.body.value)); // safe: mass-assignment
  ctx.body = Object.fromEntries(allowed);
});

router.post('/formula', (ctx) => {
  ctx.body = String(eval(ctx.request.body.expr)); // expect: code-injection
});

router.post('/formula-fn', (ctx) => {
  const fn = new Function('x', 'return ' + ctx.request.body.expr); // expect: code-injection
  ctx.body = String(fn(2));
});

router.post('/formula-vm', (ctx) => {
  const code = ctx.request.body.expr;
  ctx.body = String(vm.runInNewContext(code, {})); // expect: code-injection
});

router.post('/formula-safe', (ctx) => {
  const n = Number(ctx.request.body.a) + Number(ctx.request.body.b);
  ctx.body = String(n); // safe: code-injection
});

router.post('/timer', (ctx) => {
  setTimeout('refresh(' + ctx.request.body.id + ')', 1000); // expect: code-injection
  ctx.body = 'ok';
});

router.post('/prefs/restore', (ctx) => {
  const prefs = serialize.unserialize(Buffer.from(ctx.cookies.get('prefs'), 'base64').toString()); // expect: deserialization
  ctx.body = prefs;
});

router.post('/prefs/restore-safe', (ctx) => {
  const prefs = JSON.parse(Buffer.from(ctx.cookies.get('prefs'), 'base64').toString()); // safe: deserialization
  ctx.body = prefs;
});

router.get('/validate', (ctx) => {
  const re = new RegExp(ctx.query.pattern); // expect: redos
  ctx.body = { ok: re.test(ctx.query.value) };
});

router.get('/validate-email', (ctx) => {
  const ok = /^([a-zA-Z0-9])(([\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$/.test(ctx.query.email); // expect: redos
  const ok2 = /^[a-zA-Z0-9._-]{1,64}@[a-z0-9.-]{1,255}$/.test(ctx.query.email); // safe: redos
  ctx.body = { ok, ok2 };
});

app.use(bodyParser());
app.use(router.routes());
app.listen(3001);
