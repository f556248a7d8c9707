// Every table, for drizzle's typed client. Each feature owns its tables in its own `tables.ts`.
export * from '../audit/tables.js';
export * from '../auth/tables.js';
export * from '../callbacks/tables.js';
export * from '../cash-payments/tables.js';
export * from '../counter/tables.js';
export * from '../events/tables.js';
export * from '../idempotency/tables.js';
export * from '../metrics/tables.js';
export * from '../outbox/tables.js';
export * from '../payees/tables.js';
export * from '../payment-requests/tables.js';
export * from '../statements/tables.js';
export * from '../transactions/tables.js';
export * from '../units/tables.js';
