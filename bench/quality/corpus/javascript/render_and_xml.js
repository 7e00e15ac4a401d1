'use strict';
// Document service: renders user templates, imports XML, serves previews.

const express = require('express');
const ejs = require('ejs');
const pug = require('pug');
const Handlebars = require('handlebars');
const libxmljs = require('libxmljs');
const { XMLParser } = require('fast-xml-parser');
const session = require('express-session');
const errorhandler = require('errorhandler');

const app = express();
app.use(express.text({ type: '*/xml' }));
app.use(express.urlencoded({ extended: false }));

app.use(session({
  secret: 'super-secret-session-key', // expect: hardcoded-secret
  cookie: { secure: false, httpOnly: false }, // expect: insecure-cookie
  resave: false,
  saveUninitialized: false,
}));

app.use(session({
  secret: process.env.SESSION_SECRET, // safe: hardcoded-secret
  cookie: { secure: true, httpOnly: true, sameSite: 'strict' }, // safe: insecure-cookie
  resave: false,
  saveUninitialized: false,
}));

app.use(errorhandler()); // expect: debug
if (process.env.NODE_ENV === 'development') {
  app.use(errorhandler()); // safe: debug
}

app.post('/render/ejs', (req, res) => {
  res.send(ejs.render(req.body.template, { user: 'x' })); // expect: code-injection
});

app.post('/render/ejs-safe', (req, res) => {
  res.send(ejs.render('<p>Hello <%= name %></p>', { name: req.body.name })); // safe: code-injection
});

app.post('/render/pug', (req, res) => {
  const tpl = 'p Hello ' + req.body.name; // flow: code-injection
  res.send(pug.render(tpl)); // expect: code-injection
});

app.post('/render/hbs', (req, res) => {
  const fn = Handlebars.compile(req.body.template); // expect: code-injection
  res.send(fn({}));
});

app.post('/render/hbs-raw', (req, res) => {
  const fn = Handlebars.compile('<p>{{{bio}}}</p>'); // expect: xss
  res.send(fn({ bio: req.body.bio }));
});

app.post('/render/hbs-safe', (req, res) => {
  const fn = Handlebars.compile('<p>{{bio}}</p>'); // safe: xss
  res.send(fn({ bio: req.body.bio }));
});

app.post('/render/ejs-unescaped', (req, res) => {
  res.send(ejs.render('<p><%- bio %></p>', { bio: req.body.bio })); // expect: xss
});

app.post('/import', (req, res) => {
  const doc = libxmljs.parseXml(req.body, { noent: true }); // expect: xxe
  res.json({ root: doc.root().name() });
});

app.post('/import-safe', (req, res) => {
  const doc = libxmljs.parseXml(req.body, { noent: false, nonet: true }); // safe: xxe
  res.json({ root: doc.root().name() });
});

app.post('/import-fast', (req, res) => {
  const parser = new XMLParser({ processEntities: false });
  res.json(parser.parse(req.body)); // safe: xxe
});

app.listen(3002, '127.0.0.1');
