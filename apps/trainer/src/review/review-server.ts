import { createReadStream } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { type DecisionLog, type DecisionRecord, reviewerAgreement } from './decision-log';
import { FINDING_NAMES, type Judge, type Judgement } from './judge-text';
import { ReviewError, type ReviewItem, type ReviewSet, resolveReviewImage } from './review-set';
import { studioPage, studioScript } from './studio-page';

/** Reasons offered when rejecting (keys 1-6); free text is accepted too. */
export const REJECT_REASONS = [
  'hallucinated AU',
  'missing AU',
  'wrong emotion',
  'reasoning does not support the answer',
  'unclear or ungrammatical',
  'image unusable',
] as const;

/** Options of {@link createReviewServer}. */
export interface ReviewServerOptions {
  readonly set: ReviewSet;
  readonly log: DecisionLog;
  readonly judge: Judge;
  /** Address to bind. Default `127.0.0.1`; any other address needs `token`. */
  readonly host?: string;
  /** Port; 0 picks a free one. Default 0. */
  readonly port?: number;
  /** When set, every request needs it (bearer header, the `?token=` of the printed URL, or its cookie). */
  readonly token?: string;
  /** Shown in the page title. */
  readonly title?: string;
}

/** A running (or ready) review studio. */
export interface ReviewServer {
  readonly app: Hono;
  /** Starts listening; resolves with the URL to open (with `?token=` when a token is set). */
  listen(): Promise<{ readonly url: string; readonly port: number }>;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** True for a loopback address (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127(\.\d{1,3}){3}$/.test(host);
}

const decisionSchema = z.object({
  key: z.string().min(1).max(200),
  client: z.string().min(1).max(100),
  index: z.number().int().nonnegative(),
  decision: z.enum(['accept', 'reject', 'edit']),
  reason: z.string().max(500).optional(),
  text: z.string().max(20_000).optional(),
  base: z.string().nullable(),
});
const undoSchema = z.object({
  key: z.string().min(1).max(200),
  client: z.string().min(1).max(100),
  undoes: z.string().optional(),
});
const verifySchema = z.object({ index: z.number().int().nonnegative(), text: z.string().max(20_000) });

const sameSecret = (given: string | undefined, expected: string) => {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

const COOKIE = 'fea_review_token';

/**
 * The review studio's HTTP server: the page and its script (`/`, `/studio.js`, nothing
 * remote), the cards (`GET /api/items`, paged and filtered on the server), images by sample
 * index (`GET /api/image/:index`, only files inside the image roots), live verification of an
 * edit (`POST /api/verify`), decisions (`POST /api/decisions`, `POST /api/undo`, appended to the
 * decisions JSONL before the response) and progress (`GET /api/progress`, with Cohen's kappa
 * between reviewers whose decision files sit beside the dataset).
 */
export function createReviewServer(options: ReviewServerOptions): ReviewServer {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && !options.token)
    throw new ReviewError(
      `binding the review studio to ${host} exposes it beyond this machine: pass --token <secret> (or FEA_REVIEW_TOKEN), or keep the default 127.0.0.1`,
      { usage: true },
    );
  const { set, log, judge } = options;
  const items = set.items;
  const indexById = new Map(items.map((item, index) => [item.id, index]));
  const cache = new Map<string, Judgement>();
  // Every sample's text, its edits, and room for live verification.
  const cacheLimit = Math.max(50_000, items.length * 2);
  const judged = (item: ReviewItem, text: string): Judgement => {
    const key = `${item.id}\u0000${text}`;
    let result = cache.get(key);
    if (!result) {
      if (cache.size > cacheLimit) cache.clear();
      result = judge(text, item.sample);
      cache.set(key, result);
    }
    return result;
  };
  const textOf = (item: ReviewItem, record: DecisionRecord | undefined) =>
    record?.decision === 'edit' ? (record.text ?? '') : (item.sample.description ?? '');
  const card = (index: number) => {
    const item = items[index]!;
    const record = log.state.current(item.id);
    const text = textOf(item, record);
    return {
      index,
      id: item.id,
      dataset: item.sample.dataset,
      image: item.sample.image,
      labels: item.sample.labels,
      AUs: item.sample.AUs,
      origin: item.origin,
      outcome: item.outcome ?? null,
      original: item.sample.description ?? '',
      text,
      judgement: judged(item, text),
      decision: record ?? null,
    };
  };
  const labelOf = (item: ReviewItem) => item.sample.labels[0] ?? '(AU only)';
  const progress = async () => {
    const byLabel = new Map<
      string,
      { label: string; total: number; reviewed: number; accepted: number; edited: number; rejected: number }
    >();
    let reviewed = 0;
    for (const item of items) {
      const label = labelOf(item);
      let entry = byLabel.get(label);
      if (!entry) {
        entry = { label, total: 0, reviewed: 0, accepted: 0, edited: 0, rejected: 0 };
        byLabel.set(label, entry);
      }
      entry.total += 1;
      const record = log.state.current(item.id);
      if (!record) continue;
      reviewed += 1;
      entry.reviewed += 1;
      if (record.decision === 'accept') entry.accepted += 1;
      else if (record.decision === 'edit') entry.edited += 1;
      else entry.rejected += 1;
    }
    return {
      reviewed,
      total: items.length,
      byLabel: [...byLabel.values()].sort((a, b) => (a.label < b.label ? -1 : 1)),
      agreement: await reviewerAgreement(set.datasetFile, agreementCache),
    };
  };
  const agreementCache = new Map();

  const matches = (query: Record<string, string | undefined>) => {
    const status = query.status ?? 'all';
    const { label, dataset, finding, origin } = query;
    return (item: ReviewItem) => {
      if (label && labelOf(item) !== label) return false;
      if (dataset && item.sample.dataset !== dataset) return false;
      if (origin && item.origin !== origin) return false;
      const record = log.state.current(item.id);
      if (status === 'undecided' && record) return false;
      if (status === 'decided' && !record) return false;
      if ((status === 'accept' || status === 'reject' || status === 'edit') && record?.decision !== status)
        return false;
      if (finding) {
        const result = judged(item, textOf(item, record));
        if (finding === 'passed' ? !result.passed : !result.failed.includes(finding)) return false;
      }
      return true;
    };
  };

  const app = new Hono();
  app.use('*', async (context, next) => {
    const url = new URL(context.req.url);
    if (options.token) {
      const bearer = context.req.header('authorization')?.replace(/^Bearer\s+/i, '');
      const fromQuery =
        context.req.method === 'GET' && url.pathname === '/' ? url.searchParams.get('token') : null;
      if (fromQuery !== null && sameSecret(fromQuery, options.token)) {
        setCookie(context, COOKIE, options.token, { httpOnly: true, sameSite: 'Strict', path: '/' });
        return context.redirect('/', 303);
      }
      if (!sameSecret(bearer, options.token) && !sameSecret(getCookie(context, COOKIE), options.token))
        return context.json(
          {
            error: {
              code: 'unauthorized',
              message: 'missing or wrong token: open the URL fea-train review printed',
            },
          },
          401,
        );
    } else {
      // Loopback without a token: refuse other Host names (DNS rebinding).
      const hostname = (context.req.header('host') ?? url.host).replace(/:\d+$/, '');
      if (!isLoopback(hostname))
        return context.json(
          { error: { code: 'forbidden', message: `host "${hostname}" is not this machine` } },
          403,
        );
    }
    if (context.req.method !== 'GET' && context.req.method !== 'HEAD') {
      const origin = context.req.header('origin');
      if (origin && new URL(origin).host !== context.req.header('host'))
        return context.json({ error: { code: 'forbidden', message: 'cross-origin request refused' } }, 403);
    }
    await next();
    context.header('X-Content-Type-Options', 'nosniff');
    context.header('Cache-Control', 'no-store');
  });
  app.use('/api/*', bodyLimit({ maxSize: 1 << 20 }));

  app.get('/', (context) => {
    context.header(
      'Content-Security-Policy',
      "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'",
    );
    return context.html(studioPage(options.title ?? `Review: ${set.datasetFile}`));
  });
  app.get('/studio.js', (context) => {
    context.header('Content-Type', 'text/javascript; charset=utf-8');
    return context.body(studioScript());
  });
  app.get('/api/health', (context) => context.json({ ok: true }));
  app.get('/api/meta', (context) =>
    context.json({
      input: set.datasetFile,
      kind: set.kind,
      reviewer: log.reviewer,
      decisions: log.file,
      total: items.length,
      labels: [...new Set(items.map(labelOf))].sort(),
      datasets: [...new Set(items.map((item) => item.sample.dataset))].sort(),
      origins: [...new Set(items.map((item) => item.origin))].sort(),
      findings: ['passed', ...FINDING_NAMES],
      reasons: REJECT_REASONS,
      notes: set.notes,
    }),
  );
  app.get('/api/items', (context) => {
    const query = context.req.query();
    const limit = Math.min(Math.max(Number(query.limit) || 25, 1), 200);
    const positions: number[] = [];
    const keep = matches(query);
    for (let index = 0; index < items.length; index += 1) if (keep(items[index]!)) positions.push(index);
    let offset: number;
    let focus = 0;
    if (query.offset === 'resume') {
      const first = positions.findIndex((index) => !log.state.current(items[index]!.id));
      const position = first < 0 ? Math.max(positions.length - 1, 0) : first;
      offset = Math.floor(position / limit) * limit;
      focus = position - offset;
    } else if (query.offset?.startsWith('at:')) {
      // The page holding one sample (after an undo elsewhere), when it passes the filters.
      const position = Math.max(positions.indexOf(Number(query.offset.slice(3))), 0);
      offset = Math.floor(position / limit) * limit;
      focus = position - offset;
    } else offset = Math.min(Math.max(Number(query.offset) || 0, 0), Math.max(positions.length - 1, 0));
    return context.json({
      total: positions.length,
      offset,
      focus,
      items: positions.slice(offset, offset + limit).map(card),
    });
  });
  app.get('/api/items/:index', (context) => {
    const index = Number(context.req.param('index'));
    if (!Number.isInteger(index) || index < 0 || index >= items.length)
      return context.json({ error: { code: 'not_found', message: 'no such sample' } }, 404);
    return context.json(card(index));
  });
  app.get('/api/image/:index', async (context) => {
    const raw = context.req.param('index');
    const index = /^\d+$/.test(raw) ? Number(raw) : -1;
    const item = items[index];
    if (!item) return context.json({ error: { code: 'not_found', message: 'no such sample' } }, 404);
    const resolved = await resolveReviewImage(item.sample.image, set.imageRoots);
    if ('error' in resolved)
      return context.json(
        { error: { code: resolved.status === 403 ? 'forbidden' : 'not_found', message: resolved.error } },
        resolved.status,
      );
    context.header('Content-Type', resolved.type);
    return context.body(Readable.toWeb(createReadStream(resolved.file)) as ReadableStream);
  });
  const badRequest = (error: z.ZodError) => {
    const issue = error.issues[0]!;
    const field = issue.path.map(String).join('.') || '(body)';
    return { error: { code: 'invalid_request', field, message: `${field}: ${issue.message}` } };
  };
  const readBody = async (context: { req: { json(): Promise<unknown> } }) =>
    context.req.json().catch(() => undefined);
  app.post('/api/verify', async (context) => {
    const parsed = verifySchema.safeParse(await readBody(context));
    if (!parsed.success) return context.json(badRequest(parsed.error), 400);
    const item = items[parsed.data.index];
    if (!item) return context.json({ error: { code: 'not_found', message: 'no such sample' } }, 404);
    return context.json(judged(item, parsed.data.text));
  });
  app.post('/api/decisions', async (context) => {
    const parsed = decisionSchema.safeParse(await readBody(context));
    if (!parsed.success) return context.json(badRequest(parsed.error), 400);
    const { index, ...input } = parsed.data;
    const item = items[index];
    if (!item) return context.json({ error: { code: 'not_found', message: 'no such sample' } }, 404);
    if (input.decision === 'edit' && !input.text?.trim())
      return context.json(
        {
          error: {
            code: 'invalid_request',
            field: 'text',
            message: 'text: an edit needs the corrected text',
          },
        },
        400,
      );
    const record: Omit<DecisionRecord, 'reviewer' | 'at' | 'undoes'> =
      input.decision === 'edit'
        ? (() => {
            const result = judged(item, input.text!);
            return {
              key: input.key,
              id: item.id,
              decision: 'edit',
              text: input.text,
              passed: result.passed,
              failed: result.failed,
              client: input.client,
              base: input.base,
            };
          })()
        : input.decision === 'reject'
          ? {
              key: input.key,
              id: item.id,
              decision: 'reject',
              reason: input.reason?.trim() || 'unspecified',
              client: input.client,
              base: input.base,
            }
          : { key: input.key, id: item.id, decision: 'accept', client: input.client, base: input.base };
    const outcome = await log.decide(record);
    return context.json({ ...outcome, card: card(index), progress: await progress() });
  });
  app.post('/api/undo', async (context) => {
    const parsed = undoSchema.safeParse(await readBody(context));
    if (!parsed.success) return context.json(badRequest(parsed.error), 400);
    const result = await log.undo(parsed.data);
    const index = result.undone ? indexById.get(result.undone.id) : undefined;
    return context.json({
      undone: result.undone ?? null,
      card: index === undefined ? null : card(index),
      progress: await progress(),
    });
  });
  app.get('/api/progress', async (context) => context.json(await progress()));

  let server: Server | undefined;
  return {
    app,
    listen() {
      return new Promise((resolve, reject) => {
        const started = serve(
          { fetch: app.fetch, port: options.port ?? 0, hostname: host },
          (info: AddressInfo) => {
            const shownHost = host.includes(':') ? `[${host}]` : host;
            const base = `http://${shownHost}:${info.port}/`;
            resolve({
              url: options.token ? `${base}?token=${encodeURIComponent(options.token)}` : base,
              port: info.port,
            });
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
        server.closeAllConnections?.();
        server = undefined;
      });
    },
  };
}
