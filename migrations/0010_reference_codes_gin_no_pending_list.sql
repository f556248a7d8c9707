DROP INDEX "transactions_reference_codes_idx";--> statement-breakpoint
CREATE INDEX "transactions_reference_codes_idx" ON "transactions" USING gin ("reference_codes") WITH (fastupdate=false);