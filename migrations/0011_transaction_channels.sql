ALTER TABLE "transactions" ADD COLUMN "channels" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
UPDATE "transactions" t SET "channels" = s.channels
FROM (SELECT transaction_id, array_agg(DISTINCT channel ORDER BY channel) AS channels
      FROM "transaction_sources" GROUP BY transaction_id) s
WHERE s.transaction_id = t.id;
