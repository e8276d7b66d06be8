// The admin API (role `admin`): list, create, rotate and revoke API keys. Secrets appear only in the answer that
// creates them.
import type { CreateKeyOptions, KeyRateLimit, Role } from '../auth/keys.js';
import { readJson, sendJson } from '../http.js';
import { CreateKeyRequest, RotateKeyRequest } from '../schemas/admin.js';
import { parseBody } from '../schemas/validate.js';
import type { Route } from './types.js';

/** The expiry a body asks for (the schema allows at most one of the two fields). */
function expiry(o: { expires_at?: string | null; expires_in_seconds?: number | null }): string | undefined {
  if (o.expires_in_seconds != null) return new Date(Date.now() + o.expires_in_seconds * 1000).toISOString();
  return o.expires_at ?? undefined;
}

/** Admin routes (mounted only when the server has a key store). */
export const adminRoutes: Route[] = [
  {
    method: 'GET', path: '/admin/keys', dialect: 'openai', role: 'admin',
    async handler(ctx, env) {
      sendJson(ctx.res, 200, { keys: env.keys!.list() });
    },
  },
  {
    method: 'POST', path: '/admin/keys', dialect: 'openai', role: 'admin',
    async handler(ctx, env) {
      const body = parseBody(CreateKeyRequest, await readJson(ctx.req, env.limits.maxBodyBytes));
      const rate = body.rate_limit ?? undefined;
      const rateLimit: KeyRateLimit | undefined = rate && {
        requestsPerMinute: rate.requests_per_minute ?? undefined,
        tokensPerMinute: rate.tokens_per_minute ?? undefined,
      };
      const options: CreateKeyOptions = {
        principal: body.principal,
        roles: body.roles as Role[],
        ...(body.models != null ? { models: body.models } : {}),
        ...(rateLimit ? { rateLimit } : {}),
        expiresAt: expiry(body),
      };
      const issued = env.keys!.create(options);
      ctx.log.info({ keyId: issued.info.id, principal: issued.info.principal, roles: issued.info.roles }, 'api key created');
      sendJson(ctx.res, 201, { key: issued.key, ...issued.info });
    },
  },
  {
    method: 'POST', path: '/admin/keys/:id/rotate', dialect: 'openai', role: 'admin',
    async handler(ctx, env) {
      const body = parseBody(RotateKeyRequest, await readJson(ctx.req, env.limits.maxBodyBytes, { optional: true }));
      const grace = body.grace_seconds ?? undefined;
      const issued = env.keys!.rotate(ctx.params.id, {
        ...(grace !== undefined ? { graceMs: grace * 1000 } : {}), expiresAt: expiry(body),
      });
      ctx.log.info({ keyId: issued.info.id, rotatedFrom: ctx.params.id }, 'api key rotated');
      sendJson(ctx.res, 201, { key: issued.key, ...issued.info });
    },
  },
  {
    method: 'DELETE', path: '/admin/keys/:id', dialect: 'openai', role: 'admin',
    async handler(ctx, env) {
      const info = env.keys!.revoke(ctx.params.id);
      ctx.log.info({ keyId: info.id }, 'api key revoked');
      sendJson(ctx.res, 200, info);
    },
  },
];
