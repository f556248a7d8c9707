-- Custom migration (drizzle-kit generate --custom): the payee events of payments made before the
-- payee_events table existed, so the counter screens show today's takings from the first day.
-- Numbered per payee after any event already there, in the order the payments were stored.
INSERT INTO "payee_events" ("payee_id", "seq", "kind", "source_id", "channel", "amount", "refund_due", "sale_count",
  "payment_request_id", "details", "occurred_at", "created_at")
SELECT s.payee_id,
  COALESCE((SELECT h.last_seq FROM "payee_event_heads" h WHERE h.payee_id = s.payee_id), 0)
    + row_number() OVER (PARTITION BY s.payee_id ORDER BY s.created_at, s.kind, s.source_id),
  s.kind, s.source_id, s.channel, s.amount, s.refund_due, s.sale_count, s.payment_request_id,
  CASE WHEN r.id IS NULL THEN NULL ELSE jsonb_build_object('id', r.id, 'reference', r.reference,
    'payerRef', r.payer_ref, 'payerName', r.payer_name, 'payerGroup', r.payer_group, 'category', r.category) END,
  s.occurred_at, s.created_at
FROM (
  SELECT a.payee_id, 'allocation' AS kind, a.id AS source_id, a.channel, a.amount, a.refund_due, 1 AS sale_count,
    a.payment_request_id, t.booked_at AS occurred_at, a.created_at
  FROM "allocations" a JOIN "transactions" t ON t.id = a.transaction_id
  WHERE a.reversed_at IS NULL
  UNION ALL
  SELECT c.payee_id, 'cash_payment', c.id, 'cash', c.amount, false, c.sale_count,
    c.payment_request_id, c.paid_at, c.created_at
  FROM "cash_payments" c
) s
LEFT JOIN "payment_requests" r ON r.id = s.payment_request_id
WHERE NOT EXISTS (SELECT 1 FROM "payee_events" e WHERE e.kind = s.kind AND e.source_id = s.source_id);
--> statement-breakpoint
INSERT INTO "payee_event_heads" ("payee_id", "last_seq")
SELECT "payee_id", max("seq") FROM "payee_events" GROUP BY "payee_id"
ON CONFLICT ("payee_id") DO UPDATE SET "last_seq" = GREATEST("payee_event_heads"."last_seq", excluded."last_seq");
