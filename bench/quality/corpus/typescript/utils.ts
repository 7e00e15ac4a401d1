// Shared helpers for the TypeScript services: config merging, validation, parsing.

import * as vm from 'vm';
import * as yaml from 'js-yaml';
import * as libxmljs from 'libxmljs';

type Json = { [key: string]: any };

export function deepMerge(target: Json, source: Json): Json {
  for (const key of Object.keys(source)) {
    if (typeof source[key] === 'object' && source[key] !== null) {
      target[key] = deepMerge(target[key] ?? {}, source[key]); // expect: mass-assignment
    } else {
      target[key] = source[key];
    }
  }
  return target;
}

export function deepMergeSafe(target: Json, source: Json): Json {
  for (const key of Object.keys(source)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    if (typeof source[key] === 'object' && source[key] !== null) {
      target[key] = deepMergeSafe(target[key] ?? Object.create(null), source[key]); // safe: mass-assignment
    } else {
      target[key] = source[key];
    }
  }
  return target;
}

export function setPath(obj: Json, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) cur = cur[p] = cur[p] ?? {};
  cur[parts[parts.length - 1]] = value; // expect: mass-assignment
}

export function isSlug(s: string): boolean {
  return /^([a-z0-9]+-?)+$/.test(s); // expect: redos
}

export function isSlugSafe(s: string): boolean {
  return /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(s); // safe: redos
}

export function matchesUserFilter(filter: string, text: string): boolean {
  return new RegExp('^' + filter + '$').test(text); // expect: redos
}

export function evaluateRule(rule: string, ctx: Json): unknown {
  return vm.runInNewContext(rule, ctx); // expect: code-injection
}

export function evaluateRuleSafe(rule: 'gt' | 'lt', a: number, b: number): boolean {
  return rule === 'gt' ? a > b : a < b; // safe: code-injection
}

export function loadConfig(text: string): unknown {
  return yaml.load(text, { schema: yaml.DEFAULT_FULL_SCHEMA }); // expect: deserialization
}

export function loadConfigSafe(text: string): unknown {
  return yaml.load(text, { schema: yaml.JSON_SCHEMA }); // safe: deserialization
}

export function parseFeed(xml: string): string {
  return libxmljs.parseXml(xml, { noent: true, dtdload: true }).root()!.name(); // expect: xxe
}

export function parseFeedSafe(xml: string): string {
  return libxmljs.parseXml(xml, { noent: false, nonet: true }).root()!.name(); // safe: xxe
}

export const adminToken = 'ghp_4fT9kLm2QzX8vB1nW7cR5yH3jD6sA0eUoP'; // expect: hardcoded-secret
