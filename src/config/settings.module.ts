import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Settings } from './settings.schema.js';

/** Injection token of the validated Settings: `@Inject(SETTINGS_TOKEN) settings: Settings`. */
export const SETTINGS_TOKEN = Symbol('serval.settings');

/** The one validated configuration, loaded by main.ts and injected where needed (never process.env). */
@Global()
@Module({})
export class SettingsModule {
  static forRoot(settings: Settings): DynamicModule {
    return { module: SettingsModule, providers: [{ provide: SETTINGS_TOKEN, useValue: settings }], exports: [SETTINGS_TOKEN] };
  }
}
