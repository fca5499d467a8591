// The domain kernel: what every decider is built from. A leaf: it imports nothing, at run time or for types.
export * from './decider';
export * from './domain-error';
