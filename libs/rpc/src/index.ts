export * from './frame-auth';
export * from './rpc.config';
export * from './rpc-socket';
export * from './service-call';
export * from './rpc-error.filter';
export * from './tenant.guard';
export * from './rpc-client';
export * from './rpc-server';
