/**
 * One-time login links for counter screens. Staff make one for a payee (printed as a QR, or sent);
 * the vendor opens it on their phone and taps once; that creates a payee key which exists only in the
 * phone's HttpOnly cookie. Only the token's hash is stored, the link works once and expires.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { recordAudit } from '../audit/store.js';
import { createApiKey } from '../auth/store.js';
import type { Db, DbOrTx } from '../db/client.js';
import { getPayee, type Payee } from '../payees/store.js';
import { counterLoginLinks } from './tables.js';

export const LOGIN_TOKEN_PREFIX = 'cl_';
/** Default and longest validity of a link that has not been used. */
export const DEFAULT_LINK_HOURS = 72;
export const MAX_LINK_HOURS = 30 * 24;
/** How long a phone stays logged in after using a link. */
export const COUNTER_SESSION_DAYS = 30;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
export const looksLikeLoginToken = (t: string) => /^cl_[A-Za-z0-9_-]{32}$/.test(t);

export async function createLoginLink(
  db: Db,
  input: { payeeId: string; hours: number; actor: string; now: Date },
): Promise<{ id: string; token: string; expiresAt: Date }> {
  const token = LOGIN_TOKEN_PREFIX + randomBytes(24).toString('base64url');
  const expiresAt = new Date(input.now.getTime() + input.hours * 3600_000);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(counterLoginLinks)
      .values({ tokenHash: hashToken(token), payeeId: input.payeeId, createdBy: input.actor, expiresAt })
      .returning({ id: counterLoginLinks.id });
    await recordAudit(tx, {
      actor: input.actor,
      action: 'counter_login_link.create',
      subjectType: 'payee',
      subjectId: input.payeeId,
      details: { linkId: row!.id, expiresAt: expiresAt.toISOString() },
    });
    return { id: row!.id, token, expiresAt };
  });
}

/** The payee a link is for, while it can still be used; undefined for an unknown, spent or expired link. */
export async function findUsableLink(db: DbOrTx, token: string, now: Date): Promise<Payee | undefined> {
  if (!looksLikeLoginToken(token)) return undefined;
  const [link] = await db
    .select()
    .from(counterLoginLinks)
    .where(and(eq(counterLoginLinks.tokenHash, hashToken(token)), isNull(counterLoginLinks.usedAt)));
  if (!link || link.expiresAt <= now) return undefined;
  return getPayee(db, link.payeeId);
}

/**
 * Spends a link: under its row lock (two taps at once make one key), checks it is unused and not
 * expired, creates the payee key and marks the link used, with an audit entry.
 */
export async function redeemLoginLink(
  db: Db,
  token: string,
  now: Date,
): Promise<{ key: string; payee: Payee } | undefined> {
  if (!looksLikeLoginToken(token)) return undefined;
  return db.transaction(async (tx) => {
    const [link] = await tx
      .select()
      .from(counterLoginLinks)
      .where(eq(counterLoginLinks.tokenHash, hashToken(token)))
      .for('update');
    if (!link || link.usedAt || link.expiresAt <= now) return undefined;
    const payee = await getPayee(tx, link.payeeId);
    if (!payee) return undefined;
    const created = await createApiKey(tx, {
      role: 'payee',
      payeeId: payee.id,
      label: `counter login ${now.toISOString().slice(0, 10)} (link ${link.id})`,
    });
    await tx
      .update(counterLoginLinks)
      .set({ usedAt: now, apiKeyId: created.id })
      .where(eq(counterLoginLinks.id, link.id));
    await recordAudit(tx, {
      actor: `login-link:${link.id}`,
      action: 'counter_login_link.use',
      subjectType: 'payee',
      subjectId: payee.id,
      details: { linkId: link.id, apiKeyId: created.id },
    });
    return { key: created.key, payee };
  });
}
