// The admin API (role `admin`): list, create, rotate and revoke API keys. Secrets appear only in the answer that
// creates them.
import { ValidationError } from '../../core/errors.js';
import type { CreateKeyOptions, KeyRateLimit, Role } from '../auth/keys.js';
import { asObject, readJson, sendJson, stringField } from '../http.js';
import type { Route } from './types.js';

function optionalNumber(o: Record<string, unknown>, name: string): number | undefined {
  const v = o[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ValidationError(`"${name}" must be a non-negative number`);
  return v;
}

function expiry(o: Record<string, unknown>): string | undefined {
  const at = stringField(o, 'expires_at');
  const inSeconds = optionalNumber(o, 'expires_in_seconds');
  if (at !== undefined && inSeconds !== undefined) throw new ValidationError('give "expires_at" or "expires_in_seconds", not both');
  if (inSeconds === undefined) return at;
  const ms = Date.now() + inSeconds * 1000;
  // A Date holds at most ±8.64e15 ms; past it toISOString() would throw a RangeError (an HTTP 500).
  if (!(ms <= 8.64e15)) throw new ValidationError('"expires_in_seconds" is too large (the expiry must fall before the year 275760)');
  return new Date(ms).toISOString();
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
      const body = asObject(await readJson(ctx.req, env.limits.maxBodyBytes));
      const rate = body.rate_limit === undefined ? undefined : asObject(body.rate_limit);
      const rateLimit: KeyRateLimit | undefined = rate && {
        requestsPerMinute: optionalNumber(rate, 'requests_per_minute'),
        tokensPerMinute: optionalNumber(rate, 'tokens_per_minute'),
      };
      const options: CreateKeyOptions = {
        principal: stringField(body, 'principal', true),
        roles: body.roles as Role[],
        ...(body.models !== undefined ? { models: body.models as string[] } : {}),
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
      const body = asObject(await readJson(ctx.req, env.limits.maxBodyBytes, { optional: true }));
      const grace = optionalNumber(body, 'grace_seconds');
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
