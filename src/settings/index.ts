/** The run settings schema (pure): import everything settings from here. See README.md for how to add a setting. */
export * from './schema';
export * from './mapping';
