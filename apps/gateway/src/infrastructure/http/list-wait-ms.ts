import { createParamDecorator, Inject, Injectable, type PipeTransform } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../gateway.config';

/** Gives the parameter GATEWAY_LIST_WAIT_MS (the pipe is instantiated by the module, with the config injected). */
@Injectable()
export class ListWaitMsPipe implements PipeTransform<unknown, number> {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  transform(): number {
    return this.config.GATEWAY_LIST_WAIT_MS;
  }
}

/**
 * A list handler's parameter: how long its service may wait for the list's read model to include the merchant's
 * last write (GATEWAY_LIST_WAIT_MS), sent as the list message's `consistencyWaitMs`. A parameter, not a constructor
 * dependency, so a list takes its wait bound the way it takes its query.
 */
export const ListWaitMs = (): ParameterDecorator => listWaitMs(undefined, ListWaitMsPipe);

const listWaitMs = createParamDecorator(() => undefined);
