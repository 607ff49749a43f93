/** Injection token of the ConfigApplier the admin API drives (InProcessRouter or WorkerPool). */
export const CONFIG_APPLIER = Symbol('serval.router.configApplier');
