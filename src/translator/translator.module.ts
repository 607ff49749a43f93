/**
 * TranslatorModule: the pure translate() wrapped in the pipeline (debounce, validation, change detection).
 * Needs SettingsModule and EventEmitterModule from the root module.
 */
import { Module } from '@nestjs/common';
import { makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { translate } from './translate.js';
import { RECONCILE_DURATION, RECONCILE_TOTAL, TRANSLATE_FN, TranslationService } from './translation.service.js';

@Module({
  providers: [
    { provide: TRANSLATE_FN, useValue: translate },
    TranslationService,
    makeCounterProvider({ name: RECONCILE_TOTAL, help: 'Translations run, by result (ok, error).', labelNames: ['result'] }),
    makeHistogramProvider({
      name: RECONCILE_DURATION,
      help: 'Time to translate a resource snapshot into a router config and statuses, in seconds.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
  ],
  exports: [TranslationService],
})
export class TranslatorModule {}
