import { ModelIdError } from '../errors';
import type { FeaModel } from '../model';
import { createOpenAICompatibleModel } from '../openai/openai-compatible-model';

/** A parsed model id: `provider:spec?key=value&...`. */
export interface ModelId {
  readonly provider: string;
  readonly spec: string;
  readonly options: Readonly<Record<string, string>>;
}

/** Creates a model from the part of the id after `provider:`. */
export type ModelProviderFactory = (
  spec: string,
  options: Readonly<Record<string, string>>,
) => FeaModel | Promise<FeaModel>;

/**
 * Parses `onnx:/models/qwen?device=cuda`, `openai:http://a:8000/v1,http://b:8000/v1#model?concurrency=32`,
 * `baseline`. Options after `?` (at the end) are strings; the provider decides what they mean.
 */
export function parseModelId(id: string): ModelId {
  const trimmed = id.trim();
  if (!trimmed)
    throw new ModelIdError(
      'empty model id; expected e.g. "openai:http://127.0.0.1:8000/v1#my-model" or "baseline"',
    );
  const colon = trimmed.indexOf(':');
  const provider = (colon < 0 ? trimmed : trimmed.slice(0, colon)).toLowerCase();
  let spec = colon < 0 ? '' : trimmed.slice(colon + 1);
  const options: Record<string, string> = {};
  const query = spec.lastIndexOf('?');
  if (query >= 0 && !spec.slice(query).includes('/')) {
    for (const pair of spec
      .slice(query + 1)
      .split('&')
      .filter(Boolean)) {
      const [key, value = ''] = pair.split('=');
      options[decodeURIComponent(key!)] = decodeURIComponent(value);
    }
    spec = spec.slice(0, query);
  }
  if (!/^[a-z][a-z0-9-]*$/.test(provider))
    throw new ModelIdError(`"${id}": the provider before ":" must be a name like openai, onnx or baseline`);
  return { provider, spec, options };
}

/** Formats a model id back (inverse of {@link parseModelId}). */
export function formatModelId(id: ModelId): string {
  const query = Object.entries(id.options)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join('&');
  return `${id.provider}${id.spec || query ? `:${id.spec}` : ''}${query ? `?${query}` : ''}`;
}

/** The built-in `openai:` provider: `openai:<baseURL>[,<baseURL>...]#<model>`. */
export const openAIProvider: ModelProviderFactory = (spec, options) => {
  const hash = spec.lastIndexOf('#');
  if (hash < 0 || hash === spec.length - 1)
    throw new ModelIdError(`openai:${spec}: expected openai:<baseURL>[,<baseURL>...]#<model name>`);
  const baseURL = spec
    .slice(0, hash)
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  if (!baseURL.length || baseURL.some((url) => !/^https?:\/\//.test(url)))
    throw new ModelIdError(`openai:${spec}: each base URL must start with http:// or https://`);
  return createOpenAICompatibleModel({
    baseURL,
    model: spec.slice(hash + 1),
    ...(options.concurrency ? { concurrency: Number(options.concurrency) } : {}),
    ...(options.retries ? { maxRetries: Number(options.retries) } : {}),
    ...(options.timeout ? { timeoutMs: Number(options.timeout) } : {}),
  });
};

/** A registry of model providers that resolves ids to models. */
export interface ModelRegistry {
  /** Creates the model an id names. Unknown providers are {@link ModelIdError}s listing the known ones. */
  resolve(id: string): Promise<FeaModel>;
  /** Registered provider names. */
  readonly providers: readonly string[];
}

/**
 * A model registry with the `openai` provider built in; apps add more (`baseline`, `onnx`)
 * through `providers`. Resolution is by the id's provider prefix.
 */
export function createModelRegistry(
  options: { readonly providers?: Readonly<Record<string, ModelProviderFactory>> } = {},
): ModelRegistry {
  const providers: Record<string, ModelProviderFactory> = { openai: openAIProvider, ...options.providers };
  return {
    providers: Object.keys(providers),
    async resolve(id) {
      const parsed = parseModelId(id);
      const factory = providers[parsed.provider];
      if (!factory) {
        const close = Object.keys(providers).filter((name) => name[0] === parsed.provider[0]);
        throw new ModelIdError(
          `unknown model provider "${parsed.provider}" in "${id}"${close.length ? ` (did you mean ${close.join(' or ')}?)` : ''}; known: ${Object.keys(providers).join(', ')}`,
        );
      }
      return factory(parsed.spec, parsed.options);
    },
  };
}
