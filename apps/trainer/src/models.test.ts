import { describe, expect, it } from 'vitest';
import { createPlanModelResolver } from './models';

describe('plan model ids', () => {
  it('resolves the `baseline` teacher the plan schema documents (the vision face model)', async () => {
    const model = await createPlanModelResolver()('baseline');
    try {
      expect(model).toMatchObject({ specificationVersion: 'v1', provider: 'baseline' });
      expect(typeof model.doGenerate).toBe('function');
    } finally {
      await model.dispose();
    }
  });

  it('names what it knows when an id resolves to nothing', async () => {
    await expect(createPlanModelResolver()('nosuch:model')).rejects.toThrow(/baseline/);
  });
});
