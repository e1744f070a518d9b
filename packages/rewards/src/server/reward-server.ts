import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { Counter, Histogram, Registry } from 'prom-client';
import { z } from 'zod';
import { type PresetDefinition, type PresetName, type ResolvedPreset, resolvePreset } from '../presets';
import type { RewardSample } from '../reward-sample';
import { scoreWithPreset } from '../score-completions';
import { decodeLabel, extractResponse } from './openrlhf';

/** Options of {@link createRewardServer}. */
export interface RewardServerOptions {
  /** The preset to score with. Default `facial-r1`. */
  readonly preset?: PresetName | string | PresetDefinition;
  /** Address to bind. Default `127.0.0.1` (loopback only). */
  readonly host?: string;
  /** Port; 0 picks a free one. Default 0. */
  readonly port?: number;
  /**
   * When set, every request except /health needs `Authorization: Bearer <token>` (or, for
   * clients that cannot send headers such as OpenRLHF, `?token=<token>` in the URL).
   */
  readonly token?: string;
  /** Largest request body. Default 64 MiB. */
  readonly maxBodyBytes?: number;
  /** Most items in one request. Default 65,536. */
  readonly maxItems?: number;
}

/** A running (or ready) reward server. */
export interface RewardServer {
  /** The hono app (usable with any fetch-based host). */
  readonly app: Hono;
  /** Starts listening; resolves with the base URL. */
  listen(): Promise<{ readonly url: string; readonly port: number }>;
  /** Stops accepting connections and resolves when in-flight requests are done. */
  close(): Promise<void>;
}

const sampleSchema = z
  .object({ labels: z.array(z.string()).optional(), AUs: z.array(z.string()).optional() })
  .passthrough();
const scoreSchema = z.object({
  items: z.array(z.object({ completion: z.string(), sample: sampleSchema })),
  preset: z.string().optional(),
});
const openRlhfSchema = z.object({
  query: z.array(z.string()),
  prompts: z.array(z.string()).optional(),
  labels: z.array(z.union([z.string(), sampleSchema])).optional(),
});

function fieldError(error: z.ZodError) {
  const issue = error.issues[0]!;
  const field = issue.path.map(String).join('.') || '(body)';
  return { error: { code: 'invalid_request', field, message: `${field}: ${issue.message}` } };
}

/**
 * The reward server RL engines call while they train. `POST /score` takes
 * `{ items: [{ completion, sample: { labels, AUs } }], preset? }` and returns
 * `{ preset, results: [{ total, terms, reasons }] }`; `POST /openrlhf` speaks OpenRLHF's
 * remote reward protocol (`{ query, prompts, labels }` -> `{ rewards, scores, extra_logs }`);
 * `GET /health`; `GET /metrics` (Prometheus). Binds loopback by default; bearer-token auth,
 * body and item limits (413), schema errors as 400 naming the field.
 */
export function createRewardServer(options: RewardServerOptions = {}): RewardServer {
  const defaultPreset = resolvePreset(options.preset ?? 'facial-r1');
  const presets = new Map<string, ResolvedPreset>([[defaultPreset.name, defaultPreset]]);
  const maxItems = options.maxItems ?? 65_536;
  const registry = new Registry();
  const requests = new Counter({
    name: 'fea_reward_requests_total',
    help: 'Requests by route and status',
    labelNames: ['route', 'status'],
    registers: [registry],
  });
  const items = new Counter({
    name: 'fea_reward_items_total',
    help: 'Completions scored',
    labelNames: ['route'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'fea_reward_request_duration_seconds',
    help: 'Request latency',
    labelNames: ['route'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  const app = new Hono();
  app.onError((error, context) => {
    requests.inc({ route: context.req.path, status: '500' });
    return context.json({ error: { code: 'internal', message: error.message } }, 500);
  });
  app.use('*', async (context, next) => {
    const stop = latency.startTimer({ route: context.req.path });
    await next();
    stop();
    requests.inc({ route: context.req.path, status: String(context.res.status) });
  });
  app.use('*', async (context, next) => {
    if (options.token && context.req.path !== '/health') {
      // OpenRLHF posts without headers: it can carry the token only in its URL (`?token=`).
      const given =
        context.req.header('authorization') ??
        (context.req.query('token') === undefined ? undefined : `Bearer ${context.req.query('token')}`);
      if (given !== `Bearer ${options.token}`) {
        return context.json(
          { error: { code: 'unauthorized', message: 'missing or wrong bearer token' } },
          401,
        );
      }
    }
    await next();
  });
  app.use(
    '*',
    bodyLimit({
      maxSize: options.maxBodyBytes ?? 64 * 1024 * 1024,
      onError: (context) =>
        context.json(
          {
            error: {
              code: 'payload_too_large',
              message: `request body over ${options.maxBodyBytes ?? 64 * 1024 * 1024} bytes`,
            },
          },
          413,
        ),
    }),
  );

  const readJson = async (request: Request): Promise<{ ok: true; value: unknown } | { ok: false }> => {
    try {
      return { ok: true, value: await request.json() };
    } catch {
      return { ok: false };
    }
  };
  const tooMany = (count: number) => ({
    error: { code: 'too_many_items', message: `${count} items in one request; at most ${maxItems}` },
  });
  const badJson = { error: { code: 'invalid_json', message: 'the request body is not valid JSON' } };

  app.get('/health', (context) => context.json({ status: 'ok', preset: defaultPreset.name }));
  app.get('/metrics', async (context) =>
    context.text(await registry.metrics(), 200, { 'content-type': registry.contentType }),
  );

  app.post('/score', async (context) => {
    const body = await readJson(context.req.raw);
    if (!body.ok) return context.json(badJson, 400);
    const itemCount = Array.isArray((body.value as { items?: unknown })?.items)
      ? (body.value as { items: unknown[] }).items.length
      : 0;
    if (itemCount > maxItems) return context.json(tooMany(itemCount), 413);
    const parsed = scoreSchema.safeParse(body.value);
    if (!parsed.success) return context.json(fieldError(parsed.error), 400);
    let preset = defaultPreset;
    if (parsed.data.preset) {
      try {
        preset = presets.get(parsed.data.preset) ?? resolvePreset(parsed.data.preset);
        presets.set(parsed.data.preset, preset);
      } catch (error) {
        return context.json(
          { error: { code: 'invalid_request', field: 'preset', message: (error as Error).message } },
          400,
        );
      }
    }
    const results = parsed.data.items.map((item) => scoreWithPreset(item, preset));
    items.inc({ route: '/score' }, results.length);
    return context.json({ preset: preset.name, results });
  });

  app.post('/openrlhf', async (context) => {
    const body = await readJson(context.req.raw);
    if (!body.ok) return context.json(badJson, 400);
    const queryCount = Array.isArray((body.value as { query?: unknown })?.query)
      ? (body.value as { query: unknown[] }).query.length
      : 0;
    if (queryCount > maxItems) return context.json(tooMany(queryCount), 413);
    const parsed = openRlhfSchema.safeParse(body.value);
    if (!parsed.success) return context.json(fieldError(parsed.error), 400);
    const { query, prompts, labels } = parsed.data;
    if (labels && labels.length !== query.length) {
      return context.json(
        {
          error: {
            code: 'invalid_request',
            field: 'labels',
            message: `labels: ${labels.length} labels for ${query.length} queries`,
          },
        },
        400,
      );
    }
    const samples: RewardSample[] = [];
    for (const [index, label] of (labels ?? []).entries()) {
      try {
        samples.push(decodeLabel(label));
      } catch (error) {
        const message = `labels.${index}: ${(error as Error).message}`;
        return context.json({ error: { code: 'invalid_request', field: `labels.${index}`, message } }, 400);
      }
    }
    const rewards: number[] = [];
    const extraLogs: Record<string, number[]> = {};
    query.forEach((text, index) => {
      const result = scoreWithPreset(
        { completion: extractResponse(text, prompts?.[index]), sample: samples[index] ?? {} },
        defaultPreset,
      );
      rewards.push(result.total);
      for (const [name, value] of Object.entries(result.terms)) {
        extraLogs[name] ??= [];
        extraLogs[name].push(value);
      }
    });
    items.inc({ route: '/openrlhf' }, rewards.length);
    return context.json({ rewards, scores: rewards, extra_logs: extraLogs });
  });

  let server: Server | undefined;
  return {
    app,
    listen() {
      return new Promise((resolve, reject) => {
        const host = options.host ?? '127.0.0.1';
        const started = serve(
          { fetch: app.fetch, port: options.port ?? 0, hostname: host },
          (info: AddressInfo) => {
            const shownHost = host.includes(':') ? `[${host}]` : host;
            resolve({ url: `http://${shownHost}:${info.port}`, port: info.port });
          },
        ) as Server;
        started.once('error', reject);
        server = started;
      });
    },
    close() {
      return new Promise((resolve, reject) => {
        if (!server) return resolve();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections?.();
        server = undefined;
      });
    },
  };
}
