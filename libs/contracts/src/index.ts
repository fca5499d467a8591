export * from './ids';
export * from './money';
export * from './payment-method-capabilities';
export * from './payment-charge';
export * from './charges-messages';
export * from './payment-agreement';
export * from './return-url';
export * from './events/charge-events';
