import { z } from '@hono/zod-openapi';

export const unitLevels = ['province', 'district', 'commune', 'hamlet'] as const;
export type UnitLevel = (typeof unitLevels)[number];

/** Official codes (e.g. GSO "00004") and local ones ("TH-01"): letters, digits, dash, underscore. */
export const unitCode = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, "-" or "_", at most 32')
  .openapi({ example: '00004' });

export const createUnitBody = z
  .strictObject({
    code: unitCode,
    name: z.string().trim().min(1).max(200),
    level: z.enum(unitLevels),
    parentCode: unitCode.optional(),
  })
  .openapi('CreateUnit');

export const unitSchema = z
  .object({
    code: z.string(),
    name: z.string(),
    level: z.enum(unitLevels),
    parentCode: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('Unit');

export const unitWithChildren = unitSchema
  .extend({ children: z.array(unitSchema) })
  .openapi('UnitWithChildren');

export const householdCode = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,40}$/, 'letters, digits, ".", "-" or "_", at most 40')
  .openapi({ example: 'HH-0001' });

export const householdInput = z.strictObject({
  code: householdCode,
  unitCode,
  members: z.number().int().min(1).max(100).optional(),
});

export const createHouseholdsBody = z
  .union([householdInput, z.strictObject({ items: z.array(householdInput).min(1).max(10_000) })])
  .openapi('CreateHouseholds');

export const householdSchema = z
  .object({ code: z.string(), unitCode: z.string(), members: z.number().nullable(), createdAt: z.string() })
  .openapi('Household');
