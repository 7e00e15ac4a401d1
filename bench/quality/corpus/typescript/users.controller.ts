// NestJS users module: TypeORM queries, profile updates, JWT guard.

import { Body, Controller, Get, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Request, Response } from 'express';
import * as jwt from 'jsonwebtoken';
import { DataSource, Repository } from 'typeorm';
import { User } from './user.entity';

const JWT_SECRET: string = process.env.JWT_SECRET ?? '';
const PROFILE_FIELDS = ['displayName', 'bio', 'timezone'] as const;

@Controller('users')
export class UsersController {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly dataSource: DataSource,
  ) {}

  @Get('search')
  async search(@Query('q') q: string): Promise<User[]> {
    return this.dataSource.query(`SELECT * FROM users WHERE name LIKE '%${q}%'`); // expect: sql-injection
  }

  @Get('search-safe')
  async searchSafe(@Query('q') q: string): Promise<User[]> {
    return this.dataSource.query('SELECT * FROM users WHERE name LIKE $1', [`%${q}%`]); // safe: sql-injection
  }

  @Get('by-role')
  async byRole(@Query('role') role: string): Promise<User[]> {
    const where = "role = '" + role + "'"; // flow: sql-injection
    return this.users.createQueryBuilder('u').where(where).getMany(); // expect: sql-injection
  }

  @Get('by-role-safe')
  async byRoleSafe(@Query('role') role: string): Promise<User[]> {
    return this.users.createQueryBuilder('u').where('role = :role', { role }).getMany(); // safe: sql-injection
  }

  @Get(':id')
  async one(@Param('id') id: string): Promise<User | null> {
    const rows = await this.dataSource.query('SELECT * FROM users WHERE id = ' + Number(id)); // safe: sql-injection
    return rows[0] ?? null;
  }

  @Post()
  async create(@Body() body: Partial<User>): Promise<User> {
    return this.users.save(this.users.create(body)); // expect: mass-assignment
  }

  @Patch(':id')
  async update(@Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    await this.users.update(id, body); // expect: mass-assignment
  }

  @Patch(':id/profile')
  async updateProfile(@Param('id') id: string, @Body() body: Record<string, string>): Promise<void> {
    const changes: Partial<User> = {};
    for (const f of PROFILE_FIELDS) if (f in body) changes[f] = String(body[f]);
    await this.users.update(id, changes); // safe: mass-assignment
  }

  @Get('me/token')
  me(@Req() req: Request): unknown {
    const token = (req.headers.authorization ?? '').slice(7);
    return jwt.verify(token, JWT_SECRET, { algorithms: ['HS256'] }); // safe: jwt
  }

  @Get('me/token-unchecked')
  meUnchecked(@Req() req: Request): unknown {
    const token = (req.headers.authorization ?? '').slice(7);
    const claims = jwt.decode(token) as { sub: string }; // expect: jwt
    return claims.sub;
  }

  @Get('me/token-expired-ok')
  meExpired(@Req() req: Request): unknown {
    const token = (req.headers.authorization ?? '').slice(7);
    return jwt.verify(token, JWT_SECRET, { algorithms: ['HS256'], ignoreExpiration: true }); // expect: jwt
  }

  @Post('login')
  login(@Body() body: { id: string }, @Res() res: Response): void {
    const token = jwt.sign({ sub: body.id }, 'nest-secret-123'); // expect: hardcoded-secret
    res.cookie('auth', token, { httpOnly: false }); // expect: insecure-cookie
    res.cookie('auth2', token, { httpOnly: true, secure: true, sameSite: 'strict' }); // safe: insecure-cookie
    res.send({ ok: true });
  }

  @Get('avatar')
  avatar(@Query('name') name: string, @Res() res: Response): void {
    res.send(`<img src="/avatars/${name}.png" alt="${name}">`); // expect: xss
  }
}
