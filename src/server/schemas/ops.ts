// Operations contracts: liveness, readiness, the Prometheus scrape and this document itself.
import { z } from 'zod';

/** `GET /health` answer. */
export const Health = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

/** `GET /ready` answer (503 with `not ready` until every model is loaded). */
export const Readiness = z.object({
  status: z.enum(['ready', 'not ready']), models: z.int().min(0), loaded: z.int().min(0),
}).meta({ id: 'Readiness' });

/** `GET /openapi.json` answer: an OpenAPI 3.1 document. */
export const OpenApiDocument = z.looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) })
  .meta({ id: 'OpenApiDocument' });
