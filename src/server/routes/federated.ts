// Federated training endpoints (role `federated`): join, round state, global model and update frames (binary,
// float32/uint32 little-endian), masked-round key commitments, and the run's status. Mounted when the server is
// created with a `FederatedCoordinator`.
import { ValidationError } from '../../core/errors.js';
import { layoutSize } from '../../training/federated/params.js';
import { CLIENT_HEADER } from '../../training/federated/protocol.js';
import type { RequestContext } from '../http.js';
import { readBody, readJson, sendBytes, sendJson } from '../http.js';
import { CommitRequest, JoinRequest } from '../schemas/federated.js';
import { parseBody } from '../schemas/validate.js';
import type { Route } from './types.js';

function clientOf(ctx: RequestContext): string {
  const id = ctx.req.headers[CLIENT_HEADER];
  if (typeof id !== 'string' || !id) throw new ValidationError(`send the client id from join in the ${CLIENT_HEADER} header`);
  return id;
}

/** Federated routes (mounted only when the server hosts a coordinator). */
export const federatedRoutes: Route[] = [
  {
    method: 'POST', path: '/v1/federated/join', dialect: 'openai', role: 'federated',
    async handler(ctx, env) {
      const body = parseBody(JoinRequest, await readJson(ctx.req, env.limits.maxBodyBytes, { optional: true }));
      const info = env.federated!.join({ clientId: body.clientId ?? undefined, principal: ctx.key?.principal });
      ctx.log.info({ clientId: info.clientId }, 'federated client joined');
      sendJson(ctx.res, 200, info);
    },
  },
  {
    method: 'GET', path: '/v1/federated/round', dialect: 'openai', role: 'federated',
    async handler(ctx, env) {
      sendJson(ctx.res, 200, env.federated!.roundInfo(clientOf(ctx), ctx.key?.principal));
    },
  },
  {
    method: 'GET', path: '/v1/federated/model', dialect: 'openai', role: 'federated',
    async handler(ctx, env) {
      sendBytes(ctx.res, 200, env.federated!.modelFrame(clientOf(ctx), ctx.key?.principal));
    },
  },
  {
    method: 'POST', path: '/v1/federated/commit', dialect: 'openai', role: 'federated',
    async handler(ctx, env) {
      const body = parseBody(CommitRequest, await readJson(ctx.req, env.limits.maxBodyBytes));
      env.federated!.commit(clientOf(ctx), body, ctx.key?.principal);
      sendJson(ctx.res, 200, { committed: true });
    },
  },
  {
    method: 'POST', path: '/v1/federated/update', dialect: 'openai', role: 'federated',
    async handler(ctx, env) {
      const coordinator = env.federated!;
      const clientId = clientOf(ctx);
      // A frame is 4 bytes a value plus a small header: refuse anything much larger before reading it.
      const body = await readBody(ctx.req, layoutSize(coordinator.layout) * 4 + 64 * 1024);
      const ack = coordinator.submit(clientId, body, ctx.key?.principal);
      sendJson(ctx.res, 200, ack);
    },
  },
  {
    method: 'GET', path: '/v1/federated/status', dialect: 'openai', role: 'federated',
    async handler(ctx, env) {
      sendJson(ctx.res, 200, env.federated!.status());
    },
  },
];
