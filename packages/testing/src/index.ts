/** Placeholder until its issue lands. */
export const PACKAGE_NAME = '@otel-loki/testing';
