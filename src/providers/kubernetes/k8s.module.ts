/**
 * K8sModule: the Kubernetes side of the controller. KubeConfig (in-cluster ServiceAccount or
 * --kubeconfig), informers feeding RESOURCES_CHANGED, Lease leader election (LEADERSHIP_CHANGED) and the
 * status writer. Needs SettingsModule and EventEmitterModule from the root module.
 */
import { Module, type DynamicModule } from '@nestjs/common';
import { makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import { K8sResourceProvider, WATCHED_OBJECTS, WATCH_RESTARTS_TOTAL } from './k8s-resource.provider.js';
import { KubeApi } from './kube-api.js';
import { LEADER_GAUGE, LeaderElector } from '../../leader/leader-election.service.js';
import { STATUS_WRITES_TOTAL, StatusWriter } from '../../status/kubernetes/status-writer.service.js';
import { KubeStatusApi, STATUS_API } from '../../status/kubernetes/status-api.js';

const providers = [
  K8sResourceProvider,
  LeaderElector,
  StatusWriter,
  makeCounterProvider({ name: WATCH_RESTARTS_TOTAL, help: 'Watch restarts per kind (reason: error, or expired for a 410 re-list).', labelNames: ['kind', 'reason'] }),
  makeGaugeProvider({ name: WATCHED_OBJECTS, help: 'Objects in the informer cache per kind.', labelNames: ['kind'] }),
  makeGaugeProvider({ name: LEADER_GAUGE, help: '1 while this replica holds the leader Lease (pushes and writes status).' }),
  makeCounterProvider({ name: STATUS_WRITES_TOTAL, help: 'Status subresource patches per kind and result (ok, conflict, not_found, error).', labelNames: ['kind', 'result'] }),
];

@Module({})
export class K8sModule {
  /** `api`: built before Nest starts (loadKubeConfig), so a missing kubeconfig fails fast with a plain message. */
  static forRoot(api: KubeApi): DynamicModule {
    return {
      module: K8sModule,
      providers: [{ provide: KubeApi, useValue: api }, { provide: STATUS_API, useValue: new KubeStatusApi(api) }, ...providers],
      exports: [K8sResourceProvider, LeaderElector, StatusWriter, KubeApi],
    };
  }
}
