export * from './core/timer';
export * from './core/timer-worker';
export * from './postgres/postgres-timer-store';
export * from './postgres/timer.entity';
export * from './migrations-path';
export * from './housekeeping/purge-task';
export * from './housekeeping/housekeeping.worker';
export * from './housekeeping/housekeeping.module';
