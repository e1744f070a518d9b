// Test helpers, kept out of the main entry: `@facial-r1/benchmarks/testing`.
export { type FixtureDataset, type FixtureOptions, writeFixtureDataset } from './fixture-datasets';
