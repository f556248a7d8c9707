CREATE TABLE "counter_login_links" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"token_hash" text NOT NULL,
	"payee_id" uuid NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"api_key_id" uuid,
	CONSTRAINT "counter_login_links_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "payee_event_heads" (
	"payee_id" uuid PRIMARY KEY NOT NULL,
	"last_seq" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payee_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"payee_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	"kind" text NOT NULL,
	"source_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"amount" bigint NOT NULL,
	"refund_due" boolean DEFAULT false NOT NULL,
	"sale_count" bigint DEFAULT 1 NOT NULL,
	"payment_request_id" uuid,
	"details" jsonb,
	"occurred_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "counter_login_links" ADD CONSTRAINT "counter_login_links_payee_id_payees_id_fk" FOREIGN KEY ("payee_id") REFERENCES "public"."payees"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "counter_login_links" ADD CONSTRAINT "counter_login_links_api_key_id_api_keys_id_fk" FOREIGN KEY ("api_key_id") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payee_event_heads" ADD CONSTRAINT "payee_event_heads_payee_id_payees_id_fk" FOREIGN KEY ("payee_id") REFERENCES "public"."payees"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payee_events" ADD CONSTRAINT "payee_events_payee_id_payees_id_fk" FOREIGN KEY ("payee_id") REFERENCES "public"."payees"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "counter_login_links_payee_idx" ON "counter_login_links" USING btree ("payee_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "payee_events_payee_seq_uq" ON "payee_events" USING btree ("payee_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "payee_events_source_uq" ON "payee_events" USING btree ("kind","source_id");--> statement-breakpoint
CREATE INDEX "payee_events_payee_occurred_idx" ON "payee_events" USING btree ("payee_id","occurred_at");--> statement-breakpoint
CREATE INDEX "payee_events_created_idx" ON "payee_events" USING btree ("created_at");