export * from './core/timer';
export * from './core/timer-worker';
export * from './postgres/postgres-timer-store';
export * from './migrations-path';
