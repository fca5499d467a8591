// Webhooks to merchants: the public event types and how stored domain events become them (pure; no I/O).
export * from './webhook-event-types';
export * from './merchant-events';
