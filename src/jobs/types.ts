import type { z } from 'zod';
import type { AppDeps } from '../deps.js';

/**
 * A background job: a versioned, zod-validated payload of ids (never rows) and a plain handler of
 * (payload, deps). The same handler runs under BullMQ or the in-process runner; tests call it directly.
 * Handlers must be idempotent: any job may run twice.
 */
export type JobDefinition<P> = {
  name: string;
  payload: z.ZodType<P>;
  handle(payload: P, deps: AppDeps): Promise<void>;
  /** Parallel runs of this job in one process. */
  concurrency?: number;
  attempts?: number;
};

// biome-ignore lint/suspicious/noExplicitAny: a list of jobs of different payloads
export type AnyJob = JobDefinition<any>;

export type EnqueueOptions = {
  /** Derived from the business key (`match:<transactionId>`) so enqueueing twice runs the job once. */
  jobId?: string;
  delayMs?: number;
};

export type JobCounts = { waiting: number; active: number; delayed: number; failed: number };

export interface JobQueue {
  readonly kind: 'bullmq' | 'in-process';
  enqueue<P>(job: JobDefinition<P>, payload: P, options?: EnqueueOptions): Promise<void>;
  enqueueMany<P>(job: JobDefinition<P>, items: { payload: P; options?: EnqueueOptions }[]): Promise<void>;
  /** Runs `job` every `everyMs` (one run at a time across all processes). */
  every<P>(job: JobDefinition<P>, everyMs: number, payload: P): Promise<void>;
  /** Starts processing the given jobs in this process. */
  work(jobs: AnyJob[], deps: AppDeps): Promise<void>;
  /** Resolves when nothing is waiting, active or delayed (tests and scripts). */
  drained(timeoutMs?: number): Promise<void>;
  /**
   * Jobs per state, for the queues this process has used and for `names` (an API-only process enqueues
   * nothing itself, yet its /metrics and /v1/ops/queues must show the workers' queues).
   */
  counts(names?: readonly string[]): Promise<Record<string, JobCounts>>;
  /** Answers when the queue backend answers: for readiness checks. */
  ping(): Promise<void>;
  /** Stops taking new jobs, lets running ones finish, closes connections. */
  close(): Promise<void>;
}
