import { FeaError } from '@facial-r1/spec';

/** A malformed model id, or one its provider rejects. */
export class ModelIdError extends FeaError {
  constructor(message: string, code = 'runtime/invalid-model-id') {
    super(code, message, { category: 'usage' });
  }
}

/** A model id whose provider is not registered. */
export class UnknownModelProviderError extends ModelIdError {
  constructor(
    /** The provider the id asked for. */
    readonly provider: string,
    /** Every registered provider. */
    readonly known: readonly string[],
    /** Registered providers close to `provider`, best first. */
    readonly suggestions: readonly string[],
    id: string,
  ) {
    super(
      `unknown model provider "${provider}" in "${id}"${suggestions.length ? ` (did you mean ${suggestions.join(' or ')}?)` : ''}; known: ${known.join(', ')}. Register it with createModelRegistry({ providers: { ${provider}: factory } }).`,
      'runtime/unknown-model-provider',
    );
  }
}
