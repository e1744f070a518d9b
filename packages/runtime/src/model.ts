// The model interface lives in the dependency-free `@facial-r1/spec`; kept here so the
// runtime's own modules and its public API are unchanged.
export type * from '@facial-r1/spec';
