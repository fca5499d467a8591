export * from './event-envelope';
export * from './event-relay';
export * from './inbox-consumer';
export * from './kafka';
export * from './topics';
export * from './messaging.module';
export * from './migrations-path';
export * from './rpc-error.filter';
