'use strict';
// API gateway: which front-ends may call which routers from the browser.

const express = require('express');
const cors = require('cors');

const app = express();
const partnerApi = express.Router();
const publicApi = express.Router();
const TRUSTED = new Set(['https://portal.example.com', 'https://admin.example.com']);

partnerApi.use(cors({ origin: true, credentials: true, maxAge: 600 })); // expect: cors
publicApi.use(cors({ origin: '*', methods: ['GET'] })); // safe: cors
app.use('/account', cors({ origin: [...TRUSTED], credentials: true })); // safe: cors

app.use('/session', (req, res, next) => {
  res.header('Access-Control-Allow-Origin', req.get('origin')); // expect: cors
  res.header('Access-Control-Allow-Credentials', 'true');
  res.header('Vary', 'Origin');
  next();
});

app.use('/billing', (req, res, next) => {
  const requester = req.headers.origin;
  if (requester && TRUSTED.has(requester)) {
    res.setHeader('Access-Control-Allow-Origin', requester); // safe: cors
    res.setHeader('Access-Control-Allow-Credentials', 'true');
  }
  next();
});

app.use('/partners', partnerApi);
app.use('/public', publicApi);

module.exports = app;
