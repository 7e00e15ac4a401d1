// Cross-origin set-up of the web API (NestJS bootstrap + plain Express middleware).

import { NestFactory } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { AdminModule, AppModule } from './modules';

const allowedOrigins: string[] = (process.env.WEB_ORIGINS ?? 'https://app.example.com').split(',');

export async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  app.enableCors({ origin: /.*/, credentials: true, methods: ['GET', 'POST'] }); // expect: cors
  await app.listen(3000);

  const admin = await NestFactory.create(AdminModule);
  admin.enableCors({ origin: allowedOrigins, credentials: true }); // safe: cors
  await admin.listen(3001);
}

export function corsHeaders(req: Request, res: Response, next: NextFunction): void {
  const requestOrigin = req.headers.origin as string;
  res.setHeader('Access-Control-Allow-Origin', requestOrigin); // expect: cors
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  next();
}

export function checkedCorsHeaders(req: Request, res: Response, next: NextFunction): void {
  const webOrigin = req.headers.origin;
  if (typeof webOrigin === 'string' && allowedOrigins.includes(webOrigin)) {
    res.setHeader('Access-Control-Allow-Origin', webOrigin); // safe: cors
    res.setHeader('Access-Control-Allow-Credentials', 'true');
  }
  next();
}
