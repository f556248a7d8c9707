import type { Context } from 'hono';
import { assertVisible } from '../auth/principal.js';
import type { AppEnv } from '../http/context.js';
import { vnDay } from '../metrics/day.js';
import { scopeOfPayee } from '../payees/routes.js';
import type { PayeeKind } from '../payees/schema.js';
import { getPayee, listPayees, type Payee } from '../payees/store.js';
import { dayBound } from '../payment-requests/dates.js';

/** How many payees a staff member is offered to choose from on a counter screen. */
const CHOICES = 300;

export type CounterPayee = { payee: Payee } | { choose: Payee[] };

/**
 * The payee a counter screen shows: a payee key's own payee; for staff and admins, the `?payee=` they
 * chose (in their scope, else 404), or a list to choose from.
 */
export async function counterPayee(c: Context<AppEnv>, kinds: PayeeKind[]): Promise<CounterPayee> {
  const p = c.var.principal;
  const { db } = c.var.deps;
  const requested = p.role === 'payee' ? p.payeeId : c.req.query('payee') || undefined;
  if (requested) {
    const payee = await getPayee(db, requested);
    assertVisible(p, 'Payee', payee && scopeOfPayee(payee));
    return { payee: payee! };
  }
  const choose: Payee[] = [];
  for (const kind of kinds) choose.push(...(await listPayees(db, p, { kind, limit: CHOICES, offset: 0 })));
  return { choose };
}

/** Today in Asia/Ho_Chi_Minh, and the instants it starts and ends. */
export function today(now: Date): { day: string; from: Date; to: Date } {
  const day = vnDay(now);
  return { day, from: dayBound(day, 'from')!, to: dayBound(day, 'to')! };
}

/** "Sạp A12 · Nguyễn Thị Lan" style heading parts. */
export const payeeLabel = (p: Payee) => (p.stallNo ? `${p.name} (${p.stallNo})` : p.name);

/** The origin links are made for, as the browser sees this server (behind a TLS proxy too). */
export function publicOrigin(c: Context<AppEnv>): string {
  const url = new URL(c.req.url);
  if (c.req.header('x-forwarded-proto') === 'https') url.protocol = 'https:';
  return url.origin;
}
