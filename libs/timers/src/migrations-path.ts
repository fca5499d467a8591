import { join } from 'node:path';

/** Folder of this library's SQL migrations (works from source and from dist/). */
export const TIMERS_MIGRATIONS = join(__dirname, '..', 'migrations');
