DROP INDEX "transaction_sources_tx_idx";--> statement-breakpoint
CREATE INDEX "transaction_sources_tx_idx" ON "transaction_sources" USING btree ("transaction_id","channel");