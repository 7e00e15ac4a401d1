'use strict';
// Express storefront: search, downloads, image proxy, checkout.

const express = require('express');
const { exec, execFile, spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const mysql = require('mysql2');
const axios = require('axios');
const cookieParser = require('cookie-parser');
const escapeHtml = require('escape-html');
const csurf = require('csurf');

const app = express();
app.use(express.json());
app.use(cookieParser());

const db = mysql.createPool({ host: 'db', user: 'shop', password: process.env.DB_PASSWORD, database: 'shop' });
const UPLOADS = '/srv/shop/uploads';
const IMAGE_HOSTS = new Set(['images.example.com', 'cdn.example.com']);
const RETURN_PAGES = { cart: '/cart', home: '/', orders: '/orders' };
const csrfProtection = csurf({ cookie: { secure: true, httpOnly: true, sameSite: 'strict' } });

app.get('/products', (req, res) => {
  const term = req.query.q;
  db.query("SELECT id, name FROM products WHERE name LIKE '%" + term + "%'", (err, rows) => res.json(rows)); // expect: sql-injection
});

app.get('/products-safe', (req, res) => {
  const term = req.query.q;
  db.query('SELECT id, name FROM products WHERE name LIKE ?', ['%' + term + '%'], (err, rows) => res.json(rows)); // safe: sql-injection
});

app.get('/products/:id', async (req, res) => {
  const sql = `SELECT * FROM products WHERE id = ${req.params.id}`; // flow: sql-injection
  const [rows] = await db.promise().query(sql); // expect: sql-injection
  const id = parseInt(req.params.id, 10);
  const [rows2] = await db.promise().query(`SELECT * FROM products WHERE id = ${id}`); // safe: sql-injection
  res.json(rows.concat(rows2));
});

app.get('/orders', async (req, res) => {
  const order = req.query.sort || 'created';
  const column = ['created', 'total', 'status'].includes(order) ? order : 'created';
  const [rows] = await db.promise().execute('SELECT * FROM orders ORDER BY ' + column); // safe: sql-injection
  res.json(rows);
});

app.get('/hello', (req, res) => {
  res.send('<h1>Hello ' + req.query.name + '</h1>'); // expect: xss
});

app.get('/hello-safe', (req, res) => {
  res.send('<h1>Hello ' + escapeHtml(req.query.name) + '</h1>'); // safe: xss
});

app.get('/search', (req, res) => {
  const q = req.query.q;
  const html = `<p>No results for ${q}</p>`; // flow: xss
  res.status(404).send(html); // expect: xss
});

app.get('/search-json', (req, res) => {
  res.json({ results: [], query: req.query.q }); // safe: xss
});

app.get('/download', (req, res) => {
  res.sendFile(path.join(UPLOADS, req.query.file)); // expect: path-traversal
});

app.get('/download-safe', (req, res) => {
  res.sendFile(req.query.file, { root: UPLOADS }); // safe: path-traversal
});

app.get('/invoice/:id', (req, res) => {
  const file = UPLOADS + '/invoices/' + req.params.id + '.pdf'; // flow: path-traversal
  fs.readFile(file, (err, data) => res.send(data)); // expect: path-traversal
});

app.get('/invoice-safe/:id', (req, res) => {
  const name = path.basename(req.params.id);
  fs.readFile(path.join(UPLOADS, 'invoices', name + '.pdf'), (err, data) => res.send(data)); // safe: path-traversal
});

app.get('/image-proxy', async (req, res) => {
  const r = await axios.get(req.query.url, { responseType: 'arraybuffer' }); // expect: ssrf
  res.type('png').send(r.data);
});

app.get('/image-proxy-safe', async (req, res) => {
  const u = new URL(req.query.url);
  if (u.protocol !== 'https:' || !IMAGE_HOSTS.has(u.hostname)) return res.sendStatus(400);
  const r = await axios.get(u.toString(), { responseType: 'arraybuffer' }); // safe: ssrf
  res.type('png').send(r.data);
});

app.post('/webhook/test', async (req, res) => {
  const target = req.body.callback;
  const r = await fetch(target, { method: 'POST', body: '{}' }); // expect: ssrf
  res.json({ status: r.status });
});

app.get('/checkout/done', (req, res) => {
  res.redirect(req.query.next); // expect: open-redirect
});

app.get('/checkout/done-safe', (req, res) => {
  res.redirect(RETURN_PAGES[req.query.next] || '/'); // safe: open-redirect
});

app.get('/back', (req, res) => {
  const dest = req.get('Referer');
  res.location(dest).sendStatus(302); // expect: open-redirect
});

app.post('/convert', (req, res) => {
  const fmt = req.body.format;
  exec('convert uploads/' + req.body.file + ' out.' + fmt, (err, out) => res.send(out)); // expect: command-injection
});

app.post('/convert-safe', (req, res) => {
  execFile('convert', ['--', path.basename(req.body.file), 'out.png'], (err, out) => res.send(out)); // safe: command-injection
});

app.post('/archive', (req, res) => {
  const name = req.body.name;
  const cmd = `tar czf /backups/${name}.tgz /srv/data/${name}`; // flow: command-injection
  spawn(cmd, { shell: true }).on('close', () => res.send('ok')); // expect: command-injection
});

app.post('/uptime', (req, res) => {
  exec('uptime', (err, out) => res.send(out)); // safe: command-injection
});

app.post('/login', (req, res) => {
  res.cookie('sid', req.body.sid); // expect: insecure-cookie
  res.cookie('sid2', req.body.sid, { secure: true, httpOnly: true, sameSite: 'lax' }); // safe: insecure-cookie
  res.send('ok');
});

app.get('/transfer', (req, res) => { // expect: csrf
  db.query('UPDATE accounts SET balance = balance - ? WHERE id = ?', [Number(req.query.amount), req.cookies.uid]);
  res.send('done');
});

app.post('/transfer-safe', csrfProtection, (req, res) => { // safe: csrf
  db.query('UPDATE accounts SET balance = balance - ? WHERE id = ?', [Number(req.body.amount), req.cookies.uid]);
  res.send('done');
});

app.use((err, req, res, next) => {
  res.status(500).send(err.stack); // expect: debug
});

app.use((err, req, res, next) => {
  console.error(err);
  res.status(500).send('internal error'); // safe: debug
});

app.listen(3000, '127.0.0.1');
