import { join } from 'node:path';

/** Folder of this library's SQL migrations, the sandbox provider's tables (works from source and from dist/). */
export const PAYMENT_METHODS_MIGRATIONS = join(__dirname, '..', 'migrations');
