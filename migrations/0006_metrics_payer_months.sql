CREATE TABLE "payer_month_rollups" (
	"month" date NOT NULL,
	"unit_code" text NOT NULL,
	"unit_path" text NOT NULL,
	"category" text NOT NULL,
	"channel" text NOT NULL,
	"payer_key" text NOT NULL,
	"count" bigint NOT NULL,
	CONSTRAINT "payer_month_rollups_unit_code_month_category_channel_payer_key_pk" PRIMARY KEY("unit_code","month","category","channel","payer_key")
);
