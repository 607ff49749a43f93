/**
 * DataPlaneModule: pushes each translated config to every router replica (controller mode).
 * Needs SettingsModule and EventEmitterModule from the root module.
 */
import { Module } from '@nestjs/common';
import { makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import { ConfigPublisher, PUSH_ATTEMPTS_TOTAL, PUSH_FAILURES_TOTAL, REPLICA_IN_SYNC } from './config-publisher.service.js';

@Module({
  providers: [
    ConfigPublisher,
    makeCounterProvider({ name: PUSH_ATTEMPTS_TOTAL, help: 'HTTP attempts to push a config to a router replica.', labelNames: ['replica'] }),
    makeCounterProvider({ name: PUSH_FAILURES_TOTAL, help: 'Config pushes to a router replica that failed after all attempts.', labelNames: ['replica'] }),
    makeGaugeProvider({ name: REPLICA_IN_SYNC, help: '1 when the router replica serves the current config version.', labelNames: ['replica'] }),
  ],
  exports: [ConfigPublisher],
})
export class DataPlaneModule {}
