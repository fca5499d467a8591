export * from './payment-method-provider';
export * from './amazon-pay-sandbox/amazon-pay-sandbox.provider';
export * from './amazon-pay-sandbox/simulation-outcomes';
