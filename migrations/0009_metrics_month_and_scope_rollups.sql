CREATE TABLE "payer_scope_rollups" (
	"unit_code" text NOT NULL,
	"period" text NOT NULL,
	"cash" boolean NOT NULL,
	"category" text NOT NULL,
	"payer_key" text NOT NULL,
	"count" bigint NOT NULL,
	"household" boolean NOT NULL,
	CONSTRAINT "payer_scope_rollups_unit_code_period_cash_category_payer_key_pk" PRIMARY KEY("unit_code","period","cash","category","payer_key")
);
--> statement-breakpoint
CREATE TABLE "payer_tallies" (
	"unit_code" text NOT NULL,
	"period" text NOT NULL,
	"cash" boolean NOT NULL,
	"category" text NOT NULL,
	"payers" bigint NOT NULL,
	"adopters" bigint NOT NULL,
	CONSTRAINT "payer_tallies_unit_code_period_cash_category_pk" PRIMARY KEY("unit_code","period","cash","category")
);
--> statement-breakpoint
CREATE TABLE "payment_month_rollups" (
	"month" date NOT NULL,
	"unit_code" text NOT NULL,
	"unit_path" text NOT NULL,
	"category" text NOT NULL,
	"channel" text NOT NULL,
	"count" bigint NOT NULL,
	"value" bigint NOT NULL,
	CONSTRAINT "payment_month_rollups_unit_code_month_category_channel_pk" PRIMARY KEY("unit_code","month","category","channel")
);
--> statement-breakpoint
CREATE INDEX "payer_scope_rollups_payer_idx" ON "payer_scope_rollups" USING btree ("payer_key");--> statement-breakpoint
-- Backfill from the rollups already kept (src/metrics/facts.ts keeps the new tables from now on; a rebuild
-- gives the same rows).
INSERT INTO "payment_month_rollups" ("month", "unit_code", "unit_path", "category", "channel", "count", "value")
SELECT date_trunc('month', "day")::date, "unit_code", min("unit_path"), "category", "channel", sum("count"), sum("value")
FROM "payment_rollups"
GROUP BY 1, 2, 4, 5;--> statement-breakpoint
INSERT INTO "payer_scope_rollups" ("unit_code", "period", "cash", "category", "payer_key", "count", "household")
SELECT s.code, p.period, r."channel" = 'cash', p.category, r."payer_key", sum(r."count"),
       exists (select 1 from "households" h where h."code" = r."payer_key")
FROM "payer_rollups" r
CROSS JOIN LATERAL unnest(string_to_array(trim(both '/' from r."unit_path"), '/')) s(code)
CROSS JOIN LATERAL (values (to_char(r."day", 'YYYY-MM'), r."category"), (to_char(r."day", 'YYYY-MM'), ''),
                           (to_char(r."day", 'YYYY'), '')) p(period, category)
GROUP BY 1, 2, 3, 4, 5
HAVING sum(r."count") <> 0;--> statement-breakpoint
INSERT INTO "payer_tallies" ("unit_code", "period", "cash", "category", "payers", "adopters")
SELECT "unit_code", "period", "cash", "category", count(*), count(*) FILTER (WHERE "household" AND NOT "cash")
FROM "payer_scope_rollups"
WHERE "count" > 0
GROUP BY 1, 2, 3, 4;
