import { z } from '@hono/zod-openapi';
import { isCalendarDate } from './day.js';

export const groupBys = ['category', 'unit', 'channel', 'day', 'month'] as const;
export type GroupBy = (typeof groupBys)[number];

/** The categories of api.md (payment requests); groups list them in this order, then any others seen. */
export const categories = [
  'market',
  'school_fee',
  'electricity',
  'water',
  'environment_fee',
  'public_service_fee',
  'other',
] as const;

/**
 * Longest range a query may ask for: a year by day (366 groups at most), three years otherwise.
 * Both keep a query on the rollups short; a longer history is asked for in pieces.
 */
export const MAX_DAYS_BY_DAY = 366;
export const MAX_DAYS = 1096;

const calendarDate = z
  .string()
  .refine(isCalendarDate, 'a calendar date YYYY-MM-DD')
  .openapi({ example: '2026-11-01' });

export const metricsQuery = z.object({
  unit: z
    .string()
    .min(1)
    .max(40)
    .optional()
    .openapi({ description: 'Unit code; defaults to the staff key’s own unit', example: '00004' }),
  from: calendarDate.optional().openapi({ description: 'First day (default: first day of this month)' }),
  to: calendarDate.optional().openapi({ description: 'Last day, included (default: today)' }),
  groupBy: z.enum(groupBys).optional(),
});

const tally = z.object({ count: z.number().int(), value: z.number().int(), payers: z.number().int() });
const ratio = z.object({
  count: z.number().nullable(),
  value: z.number().nullable(),
  payers: z.number().nullable(),
});

export const metricsResponse = z
  .object({
    unit: z.string(),
    from: z.string(),
    to: z.string(),
    groupBy: z.enum(groupBys).nullable(),
    totals: z.object({ cashless: tally, cash: tally, ratio }),
    groups: z.array(
      z.object({
        key: z.string(),
        name: z.string().optional().openapi({ description: 'The unit’s name (groupBy=unit)' }),
        cashless: tally,
        cash: tally,
        ratio,
        households: z
          .object({
            total: z.number().int(),
            adopters: z.number().int(),
            adoptionRate: z.number().nullable(),
          })
          .optional()
          .openapi({ description: 'Household adoption in this child unit (groupBy=unit)' }),
      }),
    ),
    households: z.object({
      total: z.number().int(),
      adopters: z.number().int(),
      adoptionRate: z.number().nullable(),
    }),
    market: z.object({
      stalls: z.number().int(),
      stallsWithQr: z.number().int(),
      stallsPaidByQr: z.number().int(),
    }),
  })
  .openapi('CashlessMetrics');

export type MetricsResponse = z.infer<typeof metricsResponse>;
