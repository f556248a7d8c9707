CREATE TABLE "cash_payments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"payee_id" uuid NOT NULL,
	"unit_code" text NOT NULL,
	"amount" bigint NOT NULL,
	"category" text NOT NULL,
	"paid_at" timestamp with time zone NOT NULL,
	"household_code" text,
	"payer_ref" text,
	"payment_request_id" uuid,
	"sale_count" integer DEFAULT 1 NOT NULL,
	"note" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payment_request_batches" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"payee_id" uuid NOT NULL,
	"source" text NOT NULL,
	"rows" integer NOT NULL,
	"created" integer NOT NULL,
	"existing" integer NOT NULL,
	"failed" integer NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payment_request_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"payment_request_id" uuid NOT NULL,
	"from_status" text,
	"to_status" text NOT NULL,
	"actor" text NOT NULL,
	"source" text NOT NULL,
	"paid_amount" bigint NOT NULL,
	"details" jsonb,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payment_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"payee_id" uuid NOT NULL,
	"unit_code" text NOT NULL,
	"reference" text NOT NULL,
	"amount" bigint NOT NULL,
	"paid_amount" bigint DEFAULT 0 NOT NULL,
	"category" text NOT NULL,
	"purpose" text,
	"payer_ref" text,
	"payer_name" text,
	"payer_group" text,
	"household_code" text,
	"external_id" text,
	"batch_id" uuid,
	"payload" text NOT NULL,
	"status" text NOT NULL,
	"expires_at" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "cash_payments" ADD CONSTRAINT "cash_payments_payee_id_payees_id_fk" FOREIGN KEY ("payee_id") REFERENCES "public"."payees"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cash_payments" ADD CONSTRAINT "cash_payments_unit_code_units_code_fk" FOREIGN KEY ("unit_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cash_payments" ADD CONSTRAINT "cash_payments_household_code_households_code_fk" FOREIGN KEY ("household_code") REFERENCES "public"."households"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cash_payments" ADD CONSTRAINT "cash_payments_payment_request_id_payment_requests_id_fk" FOREIGN KEY ("payment_request_id") REFERENCES "public"."payment_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_request_batches" ADD CONSTRAINT "payment_request_batches_payee_id_payees_id_fk" FOREIGN KEY ("payee_id") REFERENCES "public"."payees"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_request_events" ADD CONSTRAINT "payment_request_events_payment_request_id_payment_requests_id_fk" FOREIGN KEY ("payment_request_id") REFERENCES "public"."payment_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_requests" ADD CONSTRAINT "payment_requests_payee_id_payees_id_fk" FOREIGN KEY ("payee_id") REFERENCES "public"."payees"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_requests" ADD CONSTRAINT "payment_requests_unit_code_units_code_fk" FOREIGN KEY ("unit_code") REFERENCES "public"."units"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_requests" ADD CONSTRAINT "payment_requests_household_code_households_code_fk" FOREIGN KEY ("household_code") REFERENCES "public"."households"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_requests" ADD CONSTRAINT "payment_requests_batch_id_payment_request_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."payment_request_batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cash_payments_payee_paid_idx" ON "cash_payments" USING btree ("payee_id","paid_at");--> statement-breakpoint
CREATE INDEX "cash_payments_paid_idx" ON "cash_payments" USING btree ("paid_at","id");--> statement-breakpoint
CREATE INDEX "cash_payments_request_idx" ON "cash_payments" USING btree ("payment_request_id");--> statement-breakpoint
CREATE INDEX "payment_request_batches_payee_idx" ON "payment_request_batches" USING btree ("payee_id","created_at");--> statement-breakpoint
CREATE INDEX "payment_request_events_request_idx" ON "payment_request_events" USING btree ("payment_request_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "payment_requests_reference_uq" ON "payment_requests" USING btree ("reference");--> statement-breakpoint
CREATE UNIQUE INDEX "payment_requests_external_id_uq" ON "payment_requests" USING btree ("payee_id","external_id");--> statement-breakpoint
CREATE INDEX "payment_requests_payee_status_idx" ON "payment_requests" USING btree ("payee_id","status","created_at");--> statement-breakpoint
CREATE INDEX "payment_requests_payee_group_idx" ON "payment_requests" USING btree ("payee_id","payer_group");--> statement-breakpoint
CREATE INDEX "payment_requests_payee_payer_idx" ON "payment_requests" USING btree ("payee_id","payer_ref");--> statement-breakpoint
CREATE INDEX "payment_requests_batch_idx" ON "payment_requests" USING btree ("batch_id");--> statement-breakpoint
CREATE INDEX "payment_requests_household_idx" ON "payment_requests" USING btree ("household_code");--> statement-breakpoint
CREATE INDEX "payment_requests_created_idx" ON "payment_requests" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "payment_requests_expiry_idx" ON "payment_requests" USING btree ("expires_at") WHERE status = 'open';--> statement-breakpoint
CREATE INDEX "idempotency_keys_created_idx" ON "idempotency_keys" USING btree ("created_at");