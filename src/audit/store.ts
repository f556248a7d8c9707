import type { DbOrTx } from '../db/client.js';
import { auditLog } from './tables.js';

export type AuditEntry = {
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  details?: unknown;
};

/** Written in the same database transaction as the action it records, so neither exists without the other. */
export async function recordAudit(db: DbOrTx, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({ ...entry, details: entry.details ?? null });
}
