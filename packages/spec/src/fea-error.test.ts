import { describe, expect, it } from 'vitest';
import { categoryOf, ERROR_CATEGORIES, exitCodeFor, FeaError } from './fea-error';

class ModelFileError extends FeaError {
  constructor(message: string) {
    super('runtime/model-file', message);
  }
}
class ImageSizeError extends FeaError {
  constructor(message: string) {
    super('runtime/image-size', message);
  }
}
class ModelIdError extends FeaError {
  constructor(message: string) {
    super('runtime/invalid-model-id', message, { category: 'usage' });
  }
}
class UnknownModelProviderError extends ModelIdError {}

describe('FeaError.isInstance', () => {
  it('is true only for the class it is called on and its subclasses', () => {
    expect(ModelFileError.isInstance(new ImageSizeError('x'))).toBe(false);
    expect(ImageSizeError.isInstance(new ImageSizeError('x'))).toBe(true);
    expect(ModelIdError.isInstance(new UnknownModelProviderError('x'))).toBe(true);
    expect(UnknownModelProviderError.isInstance(new ModelIdError('x'))).toBe(false);
    expect(FeaError.isInstance(new ImageSizeError('x'))).toBe(true);
    expect(FeaError.isInstance(new FeaError('a/b', 'x'))).toBe(true);
    expect(ImageSizeError.isInstance(new FeaError('a/b', 'x'))).toBe(false);
  });

  it('is false for non-errors and plain errors', () => {
    for (const value of [null, undefined, 1, 'runtime/image-size', {}, new Error('x'), new TypeError('x')]) {
      expect(FeaError.isInstance(value)).toBe(false);
      expect(ImageSizeError.isInstance(value)).toBe(false);
    }
  });

  it('works across duplicated copies of a package (markers, not instanceof)', () => {
    // A second copy of the same class: same name, different identity.
    const copy = (() => {
      class ImageSizeError extends FeaError {
        constructor(message: string) {
          super('runtime/image-size', message);
        }
      }
      return ImageSizeError;
    })();
    const error = new copy('x');
    expect(error instanceof ImageSizeError).toBe(false);
    expect(ImageSizeError.isInstance(error)).toBe(true);
    expect(ModelFileError.isInstance(error)).toBe(false);
  });

  it('keeps name, code, message and cause', () => {
    const cause = new Error('root');
    const error = new FeaError('dataset/invalid-field', 'bad field', { cause });
    expect(error.name).toBe('FeaError');
    expect(new ImageSizeError('x').name).toBe('ImageSizeError');
    expect(error.code).toBe('dataset/invalid-field');
    expect(error.message).toBe('bad field');
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(Error);
  });
});

describe('categories and exit codes', () => {
  it('defaults to input; a subclass or the thrower can choose', () => {
    expect(new ImageSizeError('x').category).toBe('input');
    expect(new UnknownModelProviderError('x').category).toBe('usage');
    expect(new FeaError('a/b', 'x', { category: 'retryable' }).category).toBe('retryable');
  });

  it('maps every category to one exit code; usage is 2', () => {
    expect(ERROR_CATEGORIES).toEqual(['usage', 'input', 'retryable', 'internal']);
    expect(exitCodeFor(new UnknownModelProviderError('x'))).toBe(2);
    expect(exitCodeFor(new ImageSizeError('x'))).toBe(1);
    expect(exitCodeFor(new FeaError('a/b', 'x', { category: 'retryable' }))).toBe(1);
    expect(exitCodeFor(new TypeError('bug'))).toBe(1);
    expect(exitCodeFor('thrown string')).toBe(1);
  });

  it('reads categories of plain errors as internal', () => {
    expect(categoryOf(new Error('x'))).toBe('internal');
    expect(categoryOf(undefined)).toBe('internal');
    expect(categoryOf(new ModelIdError('x'))).toBe('usage');
  });

  it('reads the category from an error made by another copy of the package', () => {
    const foreign = Object.assign(new Error('x'), { code: 'a/b', category: 'usage' });
    Object.defineProperty(foreign, Symbol.for('facial-r1.error'), { value: true });
    expect(categoryOf(foreign)).toBe('usage');
    // An older copy without categories reads as input.
    const old = new Error('x');
    Object.defineProperty(old, Symbol.for('facial-r1.error'), { value: true });
    expect(categoryOf(old)).toBe('input');
  });
});
