CREATE TABLE "stall_period_rollups" (
	"payee_id" uuid NOT NULL,
	"period" text NOT NULL,
	"count" bigint NOT NULL,
	CONSTRAINT "stall_period_rollups_payee_id_period_pk" PRIMARY KEY("payee_id","period")
);
--> statement-breakpoint
CREATE TABLE "stall_tallies" (
	"unit_code" text NOT NULL,
	"period" text NOT NULL,
	"stalls" bigint NOT NULL,
	CONSTRAINT "stall_tallies_unit_code_period_pk" PRIMARY KEY("unit_code","period")
);
--> statement-breakpoint
-- Backfill from payee_rollups (src/metrics/facts.ts keeps the new tables from now on; a rebuild gives the
-- same rows).
INSERT INTO "stall_period_rollups" ("payee_id", "period", "count")
SELECT r."payee_id", p.period, count(*)
FROM "payee_rollups" r
JOIN "payees" e ON e."id" = r."payee_id" AND e."kind" = 'market_vendor'
CROSS JOIN LATERAL (values (to_char(r."day", 'YYYY-MM')), (to_char(r."day", 'YYYY'))) p(period)
WHERE r."channel" <> 'cash' AND r."count" > 0
GROUP BY 1, 2;--> statement-breakpoint
INSERT INTO "stall_tallies" ("unit_code", "period", "stalls")
SELECT s.code, r."period", count(*)
FROM "stall_period_rollups" r
JOIN "payees" e ON e."id" = r."payee_id"
JOIN "units" u ON u."code" = e."unit_code"
CROSS JOIN LATERAL unnest(string_to_array(trim(both '/' from u."path"), '/')) s(code)
WHERE r."count" > 0
GROUP BY 1, 2;
