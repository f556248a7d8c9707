import { type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { forbidden, notFound } from '../http/errors.js';

export const roles = ['admin', 'staff', 'payee'] as const;
export type Role = (typeof roles)[number];

/** Who is calling: resolved from the API key once per request. */
export type Principal = {
  keyId: string;
  role: Role;
  /** staff: the unit the key is scoped to, and that unit's path (its subtree is in scope). */
  unitCode?: string;
  unitPath?: string;
  /** payee: the one payee the key is scoped to. */
  payeeId?: string;
};

/** Where a resource sits: its unit's path and, for payee-owned resources, its payee. */
export type ResourceScope = { unitPath: string; payeeId?: string | null };

/** The single answer to "may this key see this resource"; every handler asks it, none re-implements it. */
export function canSee(p: Principal, r: ResourceScope): boolean {
  switch (p.role) {
    case 'admin':
      return true;
    case 'staff':
      return p.unitPath !== undefined && r.unitPath.startsWith(p.unitPath);
    case 'payee':
      return p.payeeId !== undefined && r.payeeId === p.payeeId;
  }
}

/** A resource out of scope is reported as missing, so a key cannot learn what exists elsewhere. */
export function assertVisible<T extends ResourceScope>(p: Principal, what: string, r: T | undefined): T {
  if (!r || !canSee(p, r)) throw notFound(what);
  return r;
}

/** An action out of scope (creating in another unit, a role that may not) is refused outright. */
export function assertMay(allowed: boolean, message?: string): void {
  if (!allowed) throw forbidden(message);
}

export function assertRole(p: Principal, ...allowed: Role[]): void {
  if (!allowed.includes(p.role)) throw forbidden(`This needs a key with role ${allowed.join(' or ')}`);
}

/** May a key create or change things under this unit? Admins anywhere, staff in their subtree. */
export function mayManageUnit(p: Principal, unitPath: string): boolean {
  return (
    p.role === 'admin' || (p.role === 'staff' && p.unitPath !== undefined && unitPath.startsWith(p.unitPath))
  );
}

/** The SQL filter that limits a listing to what the key may see. */
export function scopeFilter(
  p: Principal,
  columns: { unitPath: AnyPgColumn | SQL; payeeId?: AnyPgColumn | SQL },
): SQL | undefined {
  switch (p.role) {
    case 'admin':
      return undefined;
    case 'staff':
      return sql`${columns.unitPath} like ${`${p.unitPath ?? '\u0000'}%`}`;
    case 'payee':
      return columns.payeeId ? sql`${columns.payeeId} = ${p.payeeId}` : sql`false`;
  }
}

/** The actor recorded in audit logs and status histories. */
export const actorOf = (p: Principal) => `key:${p.keyId}`;
