import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { EMOTIONS } from '@facial-r1/facs';
import { serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { Counter, Histogram, Registry } from 'prom-client';
import { z } from 'zod';
import { type PresetDefinition, type PresetName, type ResolvedPreset, resolvePreset } from '../presets';
import { type RewardItem, type RewardResult, scoreWithPreset } from '../score-completions';
import { collectGarbage } from './collect-garbage';
import { jsonDeeperThan } from './json-depth';
import { extractResponse, readOpenRlhfLabel } from './openrlhf';
import { checkKnownFields, type FieldIssue, FieldError, readSample, type SampleRules } from './read-sample';

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
   * clients that cannot send headers such as OpenRLHF, `?token=<token>` in the URL). Default:
   * none on a loopback host; on any other host a random token is generated (read it from
   * {@link RewardServer.token}): a reward server reachable from the network is never open.
   */
  readonly token?: string;
  /** Largest request body. Default 64 MiB. */
  readonly maxBodyBytes?: number;
  /** Most items in one request. Default 65,536. */
  readonly maxItems?: number;
  /**
   * Longest completion (characters) the robust parsing modes (`facial-r1-robust`, `aligned`,
   * custom robust presets) score; longer ones are refused with 413. Default 65,536 (a
   * 2,048-token completion is about 10,000 characters). The reference mode is linear and
   * bounded by the body limit alone.
   */
  readonly maxCompletionChars?: number;
  /**
   * Most completion characters, summed over a request's items, the robust modes score in one
   * request (the item count x length budget); more is refused with 413. Default 16 MiB.
   */
  readonly maxTotalChars?: number;
  /** Deepest nesting of arrays and objects in a request body (or a JSON label); 400 beyond. Default 64. */
  readonly maxJsonDepth?: number;
  /** Emotion labels samples may carry. Default the eight FEA-20K emotions (`EMOTIONS`). */
  readonly emotions?: readonly string[];
  /**
   * Unknown fields, labels outside the emotion set and unknown AU codes become `warnings` in
   * the response instead of 400s. Default false; a `/score` request can ask with `lenient: true`.
   */
  readonly lenient?: boolean;
}

/** A running (or ready) reward server. */
export interface RewardServer {
  /** The hono app (usable with any fetch-based host). */
  readonly app: Hono;
  /** The bearer token requests need, or undefined when none is required. */
  readonly token: string | undefined;
  /** True when the token was generated because a non-loopback host was bound without one. */
  readonly generatedToken: boolean;
  /** Starts listening; resolves with the base URL. */
  listen(): Promise<{ readonly url: string; readonly port: number }>;
  /** Stops accepting connections and resolves when in-flight requests are done. */
  close(): Promise<void>;
}

const scoreSchema = z.object({
  items: z.array(z.object({ completion: z.string(), sample: z.unknown() })),
  preset: z.string().optional(),
  lenient: z.boolean().optional(),
});
const openRlhfSchema = z.object({
  query: z.array(z.string()),
  prompts: z.array(z.string()).optional(),
  labels: z.array(z.unknown()).optional(),
});
const SCORE_FIELDS = new Set(['items', 'preset', 'lenient']);
const ITEM_FIELDS = new Set(['completion', 'sample']);
/** Metrics label requests by these routes; any other path is `other`, so labels stay bounded. */
const ROUTES = new Set(['/score', '/openrlhf', '/health', '/metrics']);
const routeOf = (path: string) => (ROUTES.has(path) ? path : 'other');
const LOOPBACK = /^(?:127(?:\.\d{1,3}){3}|::1|\[::1\]|localhost|::ffff:127(?:\.\d{1,3}){3})$/i;
/** Scoring yields to the event loop after this much work, so /health answers during big batches. */
const SLICE_MS = 10;
/** A body this large leaves garbage worth collecting as soon as the server is idle. */
const LARGE_BODY_CHARS = 8 * 1024 * 1024;

function fieldError(error: z.ZodError) {
  const issue = error.issues[0]!;
  const field = issue.path.map(String).join('.') || '(body)';
  return { error: { code: 'invalid_request', field, message: `${field}: ${issue.message}` } };
}

const issueBody = (error: FieldError) => ({
  error: { code: 'invalid_request', field: error.field, message: error.message },
});

/** Scores items in order, yielding to the event loop every few milliseconds. */
async function scoreYielding(items: readonly RewardItem[], preset: ResolvedPreset): Promise<RewardResult[]> {
  const results = new Array<RewardResult>(items.length);
  let sliceStart = performance.now();
  for (let index = 0; index < items.length; index += 1) {
    results[index] = scoreWithPreset(items[index]!, preset);
    if (performance.now() - sliceStart > SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
  return results;
}

/**
 * The reward server RL engines call while they train. `POST /score` takes
 * `{ items: [{ completion, sample: { labels, AUs } }], preset?, lenient? }` and returns
 * `{ preset, results: [{ total, terms, reasons }], warnings? }`; `POST /openrlhf` speaks
 * OpenRLHF's remote reward protocol (`{ query, prompts, labels }` -> `{ rewards, scores,
 * extra_logs }`); `GET /health`; `GET /metrics` (Prometheus, labelled by route). Binds
 * loopback by default and requires a bearer token elsewhere; the work of one request is
 * bounded (body, items, JSON depth, completion length and total length for the robust
 * modes: 413/400 naming the limit); samples are checked on every path (400 naming the field,
 * or warnings when lenient); scoring yields so `/health` answers during big batches.
 */
export function createRewardServer(options: RewardServerOptions = {}): RewardServer {
  const defaultPreset = resolvePreset(options.preset ?? 'facial-r1');
  const presets = new Map<string, ResolvedPreset>([[defaultPreset.name, defaultPreset]]);
  const host = options.host ?? '127.0.0.1';
  const generatedToken = options.token === undefined && !LOOPBACK.test(host);
  const token = generatedToken ? randomBytes(24).toString('base64url') : options.token;
  const maxItems = options.maxItems ?? 65_536;
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const maxCompletionChars = options.maxCompletionChars ?? 65_536;
  const maxTotalChars = options.maxTotalChars ?? 16 * 1024 * 1024;
  const maxJsonDepth = options.maxJsonDepth ?? 64;
  const emotions = new Set((options.emotions ?? EMOTIONS).map((emotion) => emotion.toLowerCase()));
  const rulesFor = (lenient: boolean | undefined): SampleRules => ({
    emotions,
    lenient: lenient ?? options.lenient ?? false,
  });
  const registry = new Registry();
  const requests = new Counter({
    name: 'fea_reward_requests_total',
    help: 'Requests by route (other: any unknown path) and status',
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
    requests.inc({ route: routeOf(context.req.path), status: '500' });
    return context.json({ error: { code: 'internal', message: error.message } }, 500);
  });
  // Auth first: a refused request costs one bounded counter and nothing else.
  app.use('*', async (context, next) => {
    if (token && context.req.path !== '/health') {
      // OpenRLHF posts without headers: it can carry the token only in its URL (`?token=`).
      const query = context.req.query('token');
      const given =
        context.req.header('authorization') ?? (query === undefined ? undefined : `Bearer ${query}`);
      if (given !== `Bearer ${token}`) {
        requests.inc({ route: routeOf(context.req.path), status: '401' });
        return context.json(
          { error: { code: 'unauthorized', message: 'missing or wrong bearer token' } },
          401,
        );
      }
    }
    await next();
  });
  // After a large body the server collects its garbage once idle: Node collects only under
  // allocation pressure, and an idle server would otherwise hold hundreds of MB.
  let inFlight = 0;
  let sawLargeBody = false;
  let collection: NodeJS.Timeout | undefined;
  const collectWhenIdle = () => {
    if (!sawLargeBody || inFlight > 0 || collection) return;
    collection = setTimeout(() => {
      collection = undefined;
      if (inFlight > 0) return;
      sawLargeBody = false;
      collectGarbage();
    }, 200);
    collection.unref();
  };
  app.use('*', async (context, next) => {
    const route = routeOf(context.req.path);
    const stop = latency.startTimer({ route });
    inFlight += 1;
    try {
      await next();
    } finally {
      inFlight -= 1;
      collectWhenIdle();
    }
    stop();
    requests.inc({ route, status: String(context.res.status) });
  });
  app.use(
    '*',
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (context) =>
        context.json(
          {
            error: {
              code: 'payload_too_large',
              message: `request body over ${maxBodyBytes} bytes (maxBodyBytes)`,
            },
          },
          413,
        ),
    }),
  );

  type Read = { ok: true; value: unknown } | { ok: false; status: 400; body: unknown };
  const readJson = async (request: Request): Promise<Read> => {
    const text = await request.text();
    if (text.length >= LARGE_BODY_CHARS) sawLargeBody = true;
    if (jsonDeeperThan(text, maxJsonDepth)) {
      return {
        ok: false,
        status: 400,
        body: {
          error: {
            code: 'json_too_deep',
            message: `the request body nests arrays and objects deeper than ${maxJsonDepth} levels (maxJsonDepth)`,
          },
        },
      };
    }
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch {
      return {
        ok: false,
        status: 400,
        body: { error: { code: 'invalid_json', message: 'the request body is not valid JSON' } },
      };
    }
  };
  const tooMany = (count: number) => ({
    error: {
      code: 'too_many_items',
      message: `${count} items in one request; at most ${maxItems} (maxItems)`,
    },
  });
  const isRobust = (preset: ResolvedPreset) => preset.options.mode !== 'facial-r1';
  /** The 413 body when robust scoring of these texts is over a limit, else undefined. */
  const overBudget = (texts: readonly string[], field: (index: number) => string) => {
    let total = 0;
    for (let index = 0; index < texts.length; index += 1) {
      const length = texts[index]!.length;
      if (length > maxCompletionChars) {
        return {
          error: {
            code: 'completion_too_long',
            field: field(index),
            message: `${field(index)}: ${length} characters; the robust presets score at most ${maxCompletionChars} per completion (maxCompletionChars)`,
          },
        };
      }
      total += length;
    }
    if (total > maxTotalChars) {
      return {
        error: {
          code: 'too_much_work',
          message: `${total} completion characters in one request; the robust presets score at most ${maxTotalChars} per request (maxTotalChars): send smaller batches`,
        },
      };
    }
    return undefined;
  };
  const withWarnings = <T extends object>(body: T, warnings: FieldIssue[]) =>
    warnings.length ? { ...body, warnings } : body;

  app.get('/health', (context) => context.json({ status: 'ok', preset: defaultPreset.name }));
  app.get('/metrics', async (context) =>
    context.text(await registry.metrics(), 200, { 'content-type': registry.contentType }),
  );

  app.post('/score', async (context: Context) => {
    const body = await readJson(context.req.raw);
    if (!body.ok) return context.json(body.body, body.status);
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
          {
            error: {
              code: 'invalid_request',
              field: 'preset',
              message: `preset: ${(error as Error).message}`,
            },
          },
          400,
        );
      }
    }
    const rules = rulesFor(parsed.data.lenient);
    const warnings: FieldIssue[] = [];
    let scored: RewardItem[];
    try {
      checkKnownFields(body.value as Record<string, unknown>, SCORE_FIELDS, '', rules, warnings);
      const raw = (body.value as { items: Record<string, unknown>[] }).items;
      scored = parsed.data.items.map((item, index) => {
        checkKnownFields(raw[index]!, ITEM_FIELDS, `items.${index}`, rules, warnings);
        return {
          completion: item.completion,
          sample: readSample(item.sample, `items.${index}.sample`, rules, warnings),
        };
      });
    } catch (error) {
      if (error instanceof FieldError) return context.json(issueBody(error), 400);
      throw error;
    }
    if (isRobust(preset)) {
      const refused = overBudget(
        scored.map((item) => item.completion),
        (index) => `items.${index}.completion`,
      );
      if (refused) return context.json(refused, 413);
    }
    const results = await scoreYielding(scored, preset);
    items.inc({ route: '/score' }, results.length);
    return context.json(withWarnings({ preset: preset.name, results }, warnings));
  });

  app.post('/openrlhf', async (context: Context) => {
    const body = await readJson(context.req.raw);
    if (!body.ok) return context.json(body.body, body.status);
    const queryCount = Array.isArray((body.value as { query?: unknown })?.query)
      ? (body.value as { query: unknown[] }).query.length
      : 0;
    if (queryCount > maxItems) return context.json(tooMany(queryCount), 413);
    // OpenRLHF's own protocol: fields it may add in a later release are ignored, not refused.
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
    const rules = { ...rulesFor(undefined), maxJsonDepth };
    const warnings: FieldIssue[] = [];
    let scored: RewardItem[];
    try {
      scored = query.map((text, index) => ({
        completion: extractResponse(text, prompts?.[index]),
        sample: readOpenRlhfLabel(labels?.[index], index, rules, warnings),
      }));
    } catch (error) {
      if (error instanceof FieldError) return context.json(issueBody(error), 400);
      throw error;
    }
    if (isRobust(defaultPreset)) {
      const refused = overBudget(
        scored.map((item) => item.completion),
        (index) => `query.${index}`,
      );
      if (refused) return context.json(refused, 413);
    }
    const results = await scoreYielding(scored, defaultPreset);
    const rewards: number[] = [];
    const extraLogs: Record<string, number[]> = {};
    for (const result of results) {
      rewards.push(result.total);
      for (const [name, value] of Object.entries(result.terms)) {
        extraLogs[name] ??= [];
        extraLogs[name].push(value);
      }
    }
    items.inc({ route: '/openrlhf' }, rewards.length);
    return context.json(withWarnings({ rewards, scores: rewards, extra_logs: extraLogs }, warnings));
  });

  let server: Server | undefined;
  return {
    app,
    token,
    generatedToken,
    listen() {
      return new Promise((resolve, reject) => {
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
      clearTimeout(collection);
      collection = undefined;
      return new Promise((resolve, reject) => {
        if (!server) return resolve();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections?.();
        server = undefined;
      });
    },
  };
}
