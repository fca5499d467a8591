export * from './core/events';
export * from './core/errors';
export * from './core/event-store';
export * from './core/decider';
export * from './postgres/postgres-event-store';
export * from './postgres/unit-of-work';
export * from './migrations-path';
export * from './core/in-memory-event-store';
