export * from './ids';
export * from './money';
export * from './payment-method-capabilities';
