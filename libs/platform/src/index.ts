export * from './config/config';
export * from './clock/clock';
export * from './logging/json-logger';
export * from './database/migrations';
export * from './nest/infrastructure.module';
export * from './database/list-page';
export * from './bootstrap/service-registry';
export * from './bootstrap/bootstrap-service';
