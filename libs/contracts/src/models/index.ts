// Public models: the folds that turn a stream into the representation the API shows, as of any event.
export * from './as-of';
export * from './agreement.model';
export * from './charge.model';
export * from './refund.model';
