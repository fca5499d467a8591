import 'reflect-metadata';
import { bootstrapService } from '@payment-ledger/platform';
import { createSandboxApp } from './sandbox.app';
import { sandboxConfigSchema } from './sandbox.config';

bootstrapService({ name: 'sandbox', configSchema: sandboxConfigSchema, createApp: createSandboxApp });
