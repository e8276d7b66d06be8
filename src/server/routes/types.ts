// The shape of a route table entry and what handlers get besides the request.
import type { InferenceService } from '../../scheduler/types.js';
import type { FederatedCoordinator } from '../../training/federated/coordinator.js';
import type { KeyStore, Role } from '../auth/keys.js';
import type { ErrorDialect } from '../error-status.js';
import type { RequestContext } from '../http.js';
import type { InferenceGateway, ResolvedLimits } from '../inference.js';
import type { ServerMetrics } from '../metrics.js';

/** Shared state of one server, handed to every handler. */
export interface RouteEnv {
  service: InferenceService;
  gateway: InferenceGateway;
  limits: ResolvedLimits;
  keys: KeyStore | undefined;
  metrics: ServerMetrics | undefined;
  /** The federated coordinator, when the server hosts one. */
  federated: FederatedCoordinator | undefined;
  /** The routes this server mounts (what `/openapi.json` describes). */
  routes: readonly Route[];
}

/** One endpoint. */
export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path; `:name` segments become `ctx.params.name`. */
  path: string;
  /** Error body shape. */
  dialect: ErrorDialect;
  /** Role a key needs when authentication is on; `null` for public endpoints (health probes). */
  role: Role | null;
  handler: (ctx: RequestContext, env: RouteEnv) => Promise<void>;
}
