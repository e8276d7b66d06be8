// Admin API contracts (role `admin`): create, list, rotate and revoke API keys.
import { z } from 'zod';
import { ROLES } from '../auth/keys.js';
import { optional } from './common.js';

/** Longest `expires_in_seconds` accepted: 100 years (a larger number would overflow the expiry date). */
export const MAX_EXPIRES_IN_SECONDS = 100 * 365 * 24 * 3600;

const PositiveNumber = z.number({ error: 'must be a positive number' }).positive({ error: 'must be a positive number' })
  .max(Number.MAX_SAFE_INTEGER, { error: 'must be a positive number' });

const Expiry = {
  expires_at: optional(z.string().refine((s) => !Number.isNaN(Date.parse(s)), { error: 'must be a date (ISO 8601)' }).meta({ format: 'date-time' }))
    .meta({ description: 'When the key stops working.' }),
  expires_in_seconds: optional(z.int({ error: 'must be a whole number of seconds' }).min(0).max(MAX_EXPIRES_IN_SECONDS))
    .meta({ description: 'Lifetime from now, in seconds (not with `expires_at`).' }),
};

function oneExpiry(o: { expires_at?: string | null; expires_in_seconds?: number | null }, ctx: z.core.$RefinementCtx): void {
  if (o.expires_at != null && o.expires_in_seconds != null) {
    ctx.addIssue({ code: 'custom', message: 'give "expires_at" or "expires_in_seconds", not both', input: o });
  }
}

/** Per-key rate limits. */
export const RateLimitBody = z.object({
  requests_per_minute: optional(PositiveNumber),
  tokens_per_minute: optional(PositiveNumber),
}).meta({ id: 'RateLimit' });

/** `POST /admin/keys` request. */
export const CreateKeyRequest = z.object({
  principal: z.string().regex(/\S/, { error: 'must not be blank' }).meta({ description: 'Who the key belongs to.' }),
  roles: z.array(z.enum(ROLES as [string, ...string[]], {
    error: (iss) => `unknown role ${JSON.stringify(iss.input)} (expected ${ROLES.join(', ')})`,
  })).min(1).meta({ description: 'What the key may do.' }),
  models: optional(z.array(z.string().min(1))).meta({ description: 'Model allow-list; all models when absent.' }),
  rate_limit: optional(RateLimitBody),
  ...Expiry,
}).superRefine(oneExpiry).meta({ id: 'CreateKeyRequest' });

/** `POST /admin/keys/{id}/rotate` request (the body may be empty). */
export const RotateKeyRequest = z.object({
  grace_seconds: optional(z.number().min(0)).meta({ description: 'How long the old key keeps working.' }),
  ...Expiry,
}).superRefine(oneExpiry).meta({ id: 'RotateKeyRequest' });

/** A key's public description (never its secret). */
export const ApiKeyInfo = z.object({
  id: z.string(),
  principal: z.string(),
  roles: z.array(z.enum(ROLES as [string, ...string[]])),
  models: z.array(z.string()).optional(),
  rateLimit: z.object({ requestsPerMinute: z.number().optional(), tokensPerMinute: z.number().optional() }).optional(),
  createdAt: z.string(),
  expiresAt: z.string().optional(),
  revokedAt: z.string().optional(),
  rotatedFrom: z.string().optional(),
}).meta({ id: 'ApiKeyInfo' });

/** A newly issued key: the secret (shown once) and its description. */
export const IssuedKey = ApiKeyInfo.extend({ key: z.string().meta({ description: 'The secret; shown only in this answer.' }) }).meta({ id: 'IssuedKey' });

/** `GET /admin/keys` answer. */
export const KeyList = z.object({ keys: z.array(ApiKeyInfo) }).meta({ id: 'KeyList' });
