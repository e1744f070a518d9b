export * from './export/index';
