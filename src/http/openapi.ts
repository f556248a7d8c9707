import { z } from '@hono/zod-openapi';

/** The error envelope, for the OpenAPI document. */
export const errorResponseSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
  })
  .openapi('Error');

const errorContent = { 'application/json': { schema: errorResponseSchema } };

/** Standard error responses for a route: spread into `responses`. */
export const errorResponses = {
  400: { description: 'Malformed or invalid request', content: errorContent },
  401: { description: 'Missing or invalid API key', content: errorContent },
  403: { description: 'The key may not do this', content: errorContent },
  404: { description: 'Not found (or outside the key’s scope)', content: errorContent },
  409: { description: 'Conflicts with what is stored', content: errorContent },
  422: { description: 'Valid JSON that the domain refuses', content: errorContent },
} as const;

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

export const bearerSecurity = [{ bearer: [] }];

/** Pagination for every list endpoint. */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
};

export const iso = (d: Date) => d.toISOString();
export const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);
