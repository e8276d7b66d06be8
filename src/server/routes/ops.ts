// Operations endpoints: health (503 with the reason while the worker pool is unhealthy), readiness, the Prometheus
// scrape and the OpenAPI document.
import { sendJson, sendText } from '../http.js';
import { openApiDocument } from '../openapi.js';
import type { Route } from './types.js';

/** The document per route table: generated once, on the first request. */
const documents = new WeakMap<readonly Route[], string>();

/** Health, readiness and metrics routes. */
export const opsRoutes: Route[] = [
  {
    method: 'GET', path: '/health', dialect: 'openai', role: null,
    async handler(ctx, env) {
      // 503 with the reason while the worker pool is unhealthy (its workers keep dying), as TEI's /health does.
      const h = env.gateway.health();
      if (h.status === 'ok') {
        sendJson(ctx.res, 200, { status: 'ok' });
        return;
      }
      sendJson(ctx.res, 503, {
        status: 'unhealthy', code: h.code ?? 'POOL_UNHEALTHY', reason: h.reason ?? 'the inference service is unhealthy',
        ...(h.workers !== undefined ? { workers: h.workers, workersUp: h.workersUp, crashStreak: h.crashStreak, restarts: h.restarts } : {}),
      });
    },
  },
  {
    method: 'GET', path: '/ready', dialect: 'openai', role: null,
    async handler(ctx, env) {
      const ready = env.service.ready();
      // Public probe: counts only, no model names.
      const models = env.service.models();
      sendJson(ctx.res, ready ? 200 : 503, {
        status: ready ? 'ready' : 'not ready', models: models.length, loaded: models.filter((m) => m.loaded).length,
      });
    },
  },
  {
    // Public, like the probes: it describes the routes this server mounts, nothing about keys or models.
    method: 'GET', path: '/openapi.json', dialect: 'openai', role: null,
    async handler(ctx, env) {
      let text = documents.get(env.routes);
      if (text === undefined) documents.set(env.routes, (text = JSON.stringify(openApiDocument(env.routes))));
      sendText(ctx.res, 200, text, 'application/json');
    },
  },
  {
    method: 'GET', path: '/metrics', dialect: 'openai', role: 'metrics',
    async handler(ctx, env) {
      if (!env.metrics) {
        sendText(ctx.res, 404, 'metrics are disabled\n');
        return;
      }
      sendText(ctx.res, 200, await env.metrics.registry.metrics(), env.metrics.registry.contentType);
    },
  },
];
