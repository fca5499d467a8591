export * from './outbound-url';
export * from './outbound-url-config';
