// Express + TypeScript media service: transcoding, downloads, thumbnails, callbacks.

import express, { Request, Response } from 'express';
import { exec, execFile } from 'child_process';
import { createHash, createCipheriv, randomBytes, randomInt } from 'crypto';
import * as fs from 'fs';
import * as https from 'https';
import * as path from 'path';
import axios from 'axios';
import { MongoClient } from 'mongodb';

const app = express();
app.use(express.json());
const mongo = new MongoClient(process.env.MONGO_URL ?? 'mongodb://localhost:27017');
const videos = mongo.db('media').collection('videos');

const MEDIA_ROOT = '/srv/media';
const CALLBACK_HOSTS: ReadonlySet<string> = new Set(['hooks.example.com']);
const PRESETS: Record<string, string> = { small: '320x240', large: '1280x720' };
const dbPassword: string = 'media-db-pass-2024!'; // expect: hardcoded-secret
const dbPasswordEnv: string | undefined = process.env.MEDIA_DB_PASSWORD; // safe: hardcoded-secret

app.post('/transcode', (req: Request, res: Response) => {
  const size: string = req.body.size;
  const cmd = `ffmpeg -i ${MEDIA_ROOT}/${req.body.file} -s ${size} out.mp4`; // flow: command-injection
  exec(cmd, (err) => res.send(err ? 'failed' : 'ok')); // expect: command-injection
});

app.post('/transcode-safe', (req: Request, res: Response) => {
  const size = PRESETS[String(req.body.preset)] ?? PRESETS.small;
  execFile('ffmpeg', ['-i', path.join(MEDIA_ROOT, path.basename(req.body.file)), '-s', size, 'out.mp4'], (err) => res.send(err ? 'failed' : 'ok')); // safe: command-injection
});

app.get('/media', (req: Request, res: Response) => {
  const file = path.join(MEDIA_ROOT, String(req.query.name)); // flow: path-traversal
  fs.createReadStream(file).pipe(res); // expect: path-traversal
});

app.get('/media-safe', (req: Request, res: Response) => {
  const file = path.resolve(MEDIA_ROOT, String(req.query.name));
  if (!file.startsWith(MEDIA_ROOT + path.sep)) return res.sendStatus(400);
  fs.createReadStream(file).pipe(res); // safe: path-traversal
});

app.delete('/media/:name', (req: Request, res: Response) => {
  fs.unlinkSync(MEDIA_ROOT + '/' + req.params.name); // expect: path-traversal
  res.sendStatus(204);
});

app.post('/callback', async (req: Request, res: Response) => {
  const url: string = req.body.callbackUrl;
  await axios.post(url, { done: true }); // expect: ssrf
  res.sendStatus(202);
});

app.post('/callback-safe', async (req: Request, res: Response) => {
  const url = new URL(String(req.body.callbackUrl));
  if (url.protocol !== 'https:' || !CALLBACK_HOSTS.has(url.hostname)) return res.sendStatus(400);
  await axios.post(url.href, { done: true }); // safe: ssrf
  res.sendStatus(202);
});

app.get('/go', (req: Request, res: Response) => {
  const target = req.query.to as string;
  res.redirect(302, target); // expect: open-redirect
});

app.get('/go-safe', (req: Request, res: Response) => {
  const target = String(req.query.to ?? '/');
  res.redirect(/^\/(?![\/\\])/.test(target) ? target : '/'); // safe: open-redirect
});

app.get('/title', (req: Request, res: Response) => {
  res.type('html').send('<title>' + req.query.t + '</title>'); // expect: xss
});

app.get('/title-safe', (req: Request, res: Response) => {
  res.type('html').send('<title>' + escapeHtml(String(req.query.t)) + '</title>'); // safe: xss
});

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function etag(buf: Buffer): string {
  return createHash('sha1').update(buf).digest('hex'); // safe: weak-crypto
}

function passwordDigest(pw: string): string {
  return createHash('md5').update(pw).digest('base64'); // expect: weak-crypto
}

function encryptThumbnailKey(data: Buffer, key: Buffer): Buffer {
  const c = createCipheriv('rc4', key, null); // expect: weak-crypto
  return Buffer.concat([c.update(data), c.final()]);
}

function shareCode(): string {
  return Math.random().toString(36).substring(2, 10); // expect: insecure-random
}

function shareCodeSafe(): string {
  return randomBytes(8).toString('hex') + String(randomInt(10)); // safe: insecure-random
}

const insecureAgent = new https.Agent({ rejectUnauthorized: false }); // expect: tls
const agent = new https.Agent({ keepAlive: true }); // safe: tls

function saveUpload(name: string, data: Buffer): void {
  fs.writeFileSync(path.join(MEDIA_ROOT, path.basename(name)), data, { mode: 0o777 }); // expect: file-permissions
  fs.writeFileSync(path.join(MEDIA_ROOT, path.basename(name)), data, { mode: 0o640 }); // safe: file-permissions
}

app.post('/videos/mine', async (req: Request, res: Response) => {
  const found = await videos.find({ owner: req.body.owner, title: req.body.title }).toArray(); // expect: nosql-injection
  res.json(found);
});

app.post('/videos/mine-safe', async (req: Request, res: Response) => {
  const found = await videos.find({ owner: String(req.body.owner), title: String(req.body.title) }).toArray(); // safe: nosql-injection
  res.json(found);
});

app.get('/videos/search', async (req: Request, res: Response) => {
  const q = String(req.query.q);
  res.json(await videos.find({ $where: `this.title.includes('${q}')` }).toArray()); // expect: nosql-injection
});

app.get('/media/:name/delete', (req: Request, res: Response) => { // expect: csrf
  fs.unlinkSync(path.join(MEDIA_ROOT, path.basename(req.params.name)));
  res.sendStatus(204);
});

app.delete('/media-safe/:name', (req: Request, res: Response) => { // safe: csrf
  fs.unlinkSync(path.join(MEDIA_ROOT, path.basename(req.params.name)));
  res.sendStatus(204);
});

app.use((err: Error, req: Request, res: Response, next: express.NextFunction) => {
  res.status(500).json({ message: err.message, stack: err.stack }); // expect: debug
});

app.use((err: Error, req: Request, res: Response, next: express.NextFunction) => {
  res.status(500).json({ message: 'internal error' }); // safe: debug
});

app.listen(8080, '127.0.0.1');
export { app, etag, passwordDigest, encryptThumbnailKey, shareCode, shareCodeSafe, insecureAgent, agent, saveUpload, dbPassword, dbPasswordEnv };
