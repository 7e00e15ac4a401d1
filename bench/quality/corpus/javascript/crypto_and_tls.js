'use strict';
// Payment gateway client: request signing, card tokenisation, partner TLS.

const { fork } = require('child_process');
const crypto = require('crypto');
const https = require('https');
const tls = require('tls');
const fs = require('fs');
const os = require('os');
const path = require('path');

const API_SECRET = 'sk_live_51HcDxQ2eZvKYlo2C9fL3pN8r'; // expect: hardcoded-secret
const API_SECRET_ENV = process.env.PAYMENT_API_SECRET; // safe: hardcoded-secret
const config = {
  partnerPassword: 'P@ssw0rd-partner-2024', // expect: hardcoded-secret
  partnerUser: 'gateway',
  region: 'eu-west-1',
};

function hashPassword(pw) {
  return crypto.createHash('md5').update(pw).digest('hex'); // expect: weak-crypto
}

function hashPasswordSha1(pw, salt) {
  const h = crypto.createHash('sha1'); // expect: weak-crypto
  return h.update(salt + pw).digest('hex');
}

function hashPasswordSafe(pw) {
  const salt = crypto.randomBytes(16);
  return salt.toString('hex') + crypto.scryptSync(pw, salt, 64).toString('hex'); // safe: weak-crypto
}

function checksum(buf) {
  return crypto.createHash('sha256').update(buf).digest('hex'); // safe: weak-crypto
}

function encryptCard(card, key) {
  const cipher = crypto.createCipheriv('des-ede3-cbc', key, Buffer.alloc(8)); // expect: weak-crypto
  return Buffer.concat([cipher.update(card), cipher.final()]);
}

function encryptEcb(data, key) {
  const cipher = crypto.createCipheriv('aes-128-ecb', key, null); // expect: weak-crypto
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

function encryptGcm(data, key) {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv); // safe: weak-crypto
  return Buffer.concat([iv, cipher.update(data), cipher.final(), cipher.getAuthTag()]);
}

function signingKeys() {
  return crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }); // expect: weak-crypto
}

function signingKeysSafe() {
  return crypto.generateKeyPairSync('rsa', { modulusLength: 3072 }); // safe: weak-crypto
}

function sign(body) {
  return crypto.createHmac('sha256', API_SECRET_ENV).update(body).digest('hex'); // safe: weak-crypto
}

function newToken() {
  return Math.random().toString(36).slice(2); // expect: insecure-random
}

function newTokenSafe() {
  return crypto.randomBytes(24).toString('base64url'); // safe: insecure-random
}

function otp() {
  const code = Math.floor(Math.random() * 1000000); // flow: insecure-random
  return String(code).padStart(6, '0'); // expect: insecure-random
}

function jitter(ms) {
  return ms + Math.floor(Math.random() * 100); // safe: insecure-random
}

function partnerAgent() {
  return new https.Agent({ rejectUnauthorized: false }); // expect: tls
}

function partnerAgentSafe() {
  return new https.Agent({ ca: fs.readFileSync('/etc/ssl/partner-ca.pem') }); // safe: tls
}

function startPartnerSync() {
  const partnerEnv = { ...process.env, NODE_TLS_REJECT_UNAUTHORIZED: '0' }; // expect: tls
  return fork(path.join(__dirname, 'partner-sync.js'), { env: partnerEnv });
}

function legacySocket(host) {
  return tls.connect({ host, port: 443, minVersion: 'TLSv1' }); // expect: tls | weak-crypto
}

function anyHostSocket(host) {
  return tls.connect({ host, port: 443, checkServerIdentity: () => undefined }); // expect: tls
}

function modernSocket(host) {
  return tls.connect({ host, port: 443, minVersion: 'TLSv1.2' }); // safe: tls
}

function postCleartext(body) {
  return fetch('http://payments.paynet-partner.io/v1/charge', { method: 'POST', body }); // expect: tls
}

function postTls(body) {
  return fetch('https://payments.partner.example.com/v1/charge', { method: 'POST', body }); // safe: tls
}

function writeReceipt(id, text) {
  const file = '/tmp/receipt-' + id + '.txt'; // flow: file-permissions
  fs.writeFileSync(file, text); // expect: file-permissions
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'receipt-'));
  fs.writeFileSync(path.join(dir, 'receipt.txt'), text, { mode: 0o600 }); // safe: file-permissions
}

async function shareExport(exportPath) {
  await fs.promises.chmod(exportPath, 0o766); // expect: file-permissions
  await fs.promises.chmod(exportPath, 0o640); // safe: file-permissions
}

function keyFile(pem) {
  fs.writeFileSync('/etc/gateway/key.pem', pem, { mode: 0o666 }); // expect: file-permissions
}

module.exports = { hashPassword, encryptCard, config };
