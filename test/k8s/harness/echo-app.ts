/**
 * The backend the k8s tests route to: an echo-basic Deployment (what the conformance suite deploys; the test
 * kubelet runs the echo-basic binary whatever the image says) behind Service `echo` port 8080 -> 3000.
 */
import * as k8s from '@kubernetes/client-node';

export const ECHO_LABELS = { app: 'echo' };

export async function createEchoApp(kubeConfig: k8s.KubeConfig, namespace: string, replicas: number): Promise<void> {
  await kubeConfig.makeApiClient(k8s.AppsV1Api).createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: 'echo' },
      spec: {
        replicas,
        selector: { matchLabels: ECHO_LABELS },
        template: {
          metadata: { labels: ECHO_LABELS },
          spec: {
            containers: [
              {
                name: 'echo',
                image: 'gcr.io/k8s-staging-gateway-api/echo-basic:latest',
                ports: [{ containerPort: 3000 }],
                env: [
                  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                ],
              },
            ],
          },
        },
      },
    },
  });
  await kubeConfig.makeApiClient(k8s.CoreV1Api).createNamespacedService({
    namespace,
    body: { metadata: { name: 'echo' }, spec: { selector: ECHO_LABELS, ports: [{ port: 8080, targetPort: 3000 }] } },
  });
}
