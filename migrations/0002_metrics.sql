CREATE TABLE "callback_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"provider" text NOT NULL,
	"provider_event_id" text NOT NULL,
	"raw_body" text NOT NULL,
	"credit" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payee_rollups" (
	"day" date NOT NULL,
	"payee_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"count" bigint NOT NULL,
	"value" bigint NOT NULL,
	CONSTRAINT "payee_rollups_payee_id_day_channel_pk" PRIMARY KEY("payee_id","day","channel")
);
--> statement-breakpoint
CREATE TABLE "payer_rollups" (
	"day" date NOT NULL,
	"unit_code" text NOT NULL,
	"unit_path" text NOT NULL,
	"category" text NOT NULL,
	"channel" text NOT NULL,
	"payer_key" text NOT NULL,
	"count" bigint NOT NULL,
	CONSTRAINT "payer_rollups_unit_code_day_category_channel_payer_key_pk" PRIMARY KEY("unit_code","day","category","channel","payer_key")
);
--> statement-breakpoint
CREATE TABLE "payment_rollups" (
	"day" date NOT NULL,
	"unit_code" text NOT NULL,
	"unit_path" text NOT NULL,
	"payee_kind" text NOT NULL,
	"category" text NOT NULL,
	"channel" text NOT NULL,
	"count" bigint NOT NULL,
	"value" bigint NOT NULL,
	CONSTRAINT "payment_rollups_unit_code_day_payee_kind_category_channel_pk" PRIMARY KEY("unit_code","day","payee_kind","category","channel")
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"topic" text NOT NULL,
	"ref_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "statement_lines" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"statement_id" uuid NOT NULL,
	"account_number" text NOT NULL,
	"line_key" text NOT NULL,
	"direction" text NOT NULL,
	"amount" bigint NOT NULL,
	"booked_at" timestamp with time zone NOT NULL,
	"memo" text NOT NULL,
	"reference" text,
	"raw" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "statements" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_number" text NOT NULL,
	"format" text NOT NULL,
	"period_from" date NOT NULL,
	"period_to" date NOT NULL,
	"content_sha256" text NOT NULL,
	"raw" text NOT NULL,
	"imported_by" text NOT NULL,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "allocations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"transaction_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"payment_request_id" uuid,
	"payee_id" uuid NOT NULL,
	"amount" bigint NOT NULL,
	"refund_due" boolean DEFAULT false NOT NULL,
	"channel" text NOT NULL,
	"source" text NOT NULL,
	"actor" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"reversed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "transaction_sources" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"transaction_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"source_ref" text NOT NULL,
	"callback_event_id" bigint,
	"statement_line_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "transactions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"direction" text NOT NULL,
	"account_number" text NOT NULL,
	"bank_bin" text,
	"amount" bigint NOT NULL,
	"memo" text DEFAULT '' NOT NULL,
	"reference_codes" text[] DEFAULT '{}'::text[] NOT NULL,
	"booked_at" timestamp with time zone NOT NULL,
	"booked_date_only" boolean DEFAULT false NOT NULL,
	"counterparty_account" text,
	"counterparty_name" text,
	"counterparty_bank_bin" text,
	"bank_reference" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"ignore_reason" text,
	"refund_due" boolean DEFAULT false NOT NULL,
	"refund_amount" bigint DEFAULT 0 NOT NULL,
	"allocated_amount" bigint DEFAULT 0 NOT NULL,
	"payee_id" uuid,
	"unit_code" text,
	"unit_path" text,
	"confirmed_by_statement" boolean DEFAULT false NOT NULL,
	"match_attempted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "statement_lines" ADD CONSTRAINT "statement_lines_statement_id_statements_id_fk" FOREIGN KEY ("statement_id") REFERENCES "public"."statements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "allocations" ADD CONSTRAINT "allocations_transaction_id_transactions_id_fk" FOREIGN KEY ("transaction_id") REFERENCES "public"."transactions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transaction_sources" ADD CONSTRAINT "transaction_sources_transaction_id_transactions_id_fk" FOREIGN KEY ("transaction_id") REFERENCES "public"."transactions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "callback_events_provider_event_uq" ON "callback_events" USING btree ("provider","provider_event_id");--> statement-breakpoint
CREATE INDEX "callback_events_received_idx" ON "callback_events" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "payee_rollups_day_idx" ON "payee_rollups" USING btree ("day");--> statement-breakpoint
CREATE INDEX "payer_rollups_path_day_idx" ON "payer_rollups" USING btree ("unit_path" text_pattern_ops,"day");--> statement-breakpoint
CREATE INDEX "payment_rollups_path_day_idx" ON "payment_rollups" USING btree ("unit_path" text_pattern_ops,"day");--> statement-breakpoint
CREATE UNIQUE INDEX "statement_lines_key_uq" ON "statement_lines" USING btree ("account_number","line_key");--> statement-breakpoint
CREATE INDEX "statement_lines_statement_idx" ON "statement_lines" USING btree ("statement_id");--> statement-breakpoint
CREATE UNIQUE INDEX "statements_content_uq" ON "statements" USING btree ("account_number","content_sha256");--> statement-breakpoint
CREATE INDEX "allocations_tx_idx" ON "allocations" USING btree ("transaction_id");--> statement-breakpoint
CREATE INDEX "allocations_request_idx" ON "allocations" USING btree ("payment_request_id");--> statement-breakpoint
CREATE UNIQUE INDEX "allocations_auto_uq" ON "allocations" USING btree ("transaction_id") WHERE source = 'auto';--> statement-breakpoint
CREATE UNIQUE INDEX "transaction_sources_channel_ref_uq" ON "transaction_sources" USING btree ("channel","source_ref");--> statement-breakpoint
CREATE INDEX "transaction_sources_tx_idx" ON "transaction_sources" USING btree ("transaction_id");--> statement-breakpoint
CREATE INDEX "transaction_sources_event_idx" ON "transaction_sources" USING btree ("callback_event_id");--> statement-breakpoint
CREATE INDEX "transactions_fingerprint_idx" ON "transactions" USING btree ("account_number","amount","booked_at");--> statement-breakpoint
CREATE INDEX "transactions_status_idx" ON "transactions" USING btree ("status","match_attempted_at");--> statement-breakpoint
CREATE INDEX "transactions_unit_path_idx" ON "transactions" USING btree ("unit_path" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "transactions_payee_idx" ON "transactions" USING btree ("payee_id","booked_at");--> statement-breakpoint
CREATE INDEX "transactions_booked_idx" ON "transactions" USING btree ("booked_at");