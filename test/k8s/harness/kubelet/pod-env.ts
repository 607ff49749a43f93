// What a container process gets from its Pod spec: environment variables
// (values, downward API, Secret/ConfigMap refs) and Secret/ConfigMap volumes
// written to a per-Pod directory.
//
// Processes run in the host's mount namespace, so a volume cannot appear at
// its mountPath; instead env values that point into a mountPath (echo-basic's
// TLS_SERVER_CERT=/etc/secret-volume/crt, for instance) are rewritten to the
// materialized directory.
import type * as k8s from '@kubernetes/client-node';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface PodRuntimeInfo {
  podIP: string;
  hostIP: string;
  nodeName: string;
}

type Core = k8s.CoreV1Api;

/** Writes secret/configMap volumes under `dir`; returns volume name -> directory. */
export async function materializeVolumes(core: Core, pod: k8s.V1Pod, dir: string): Promise<Map<string, string>> {
  const namespace = pod.metadata!.namespace!;
  const result = new Map<string, string>();
  for (const volume of pod.spec?.volumes ?? []) {
    let data: Record<string, Buffer> | undefined;
    let items: k8s.V1KeyToPath[] | undefined;
    if (volume.secret?.secretName) {
      const secret = await optional(core.readNamespacedSecret({ namespace, name: volume.secret.secretName }), volume.secret.optional);
      data = Object.fromEntries(Object.entries(secret?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
      items = volume.secret.items;
    } else if (volume.configMap?.name) {
      const cm = await optional(core.readNamespacedConfigMap({ namespace, name: volume.configMap.name }), volume.configMap.optional);
      data = Object.fromEntries(Object.entries(cm?.data ?? {}).map(([k, v]) => [k, Buffer.from(v)]));
      items = volume.configMap.items;
    } else {
      continue; // emptyDir, projected SA tokens, ...: not needed by echo-basic
    }
    const volumeDir = join(dir, volume.name);
    mkdirSync(volumeDir, { recursive: true });
    const files = items?.length ? items.map((i) => [i.key, i.path] as const) : Object.keys(data).map((k) => [k, k] as const);
    for (const [key, path] of files) {
      if (!data[key]) continue;
      mkdirSync(dirname(join(volumeDir, path)), { recursive: true });
      writeFileSync(join(volumeDir, path), data[key]);
    }
    result.set(volume.name, volumeDir);
  }
  return result;
}

/** A missing source is an error (the kubelet retries the Pod) unless the volume is optional. */
async function optional<T>(read: Promise<T>, isOptional: boolean | undefined): Promise<T | undefined> {
  try {
    return await read;
  } catch (err) {
    if (isOptional && (err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

export async function containerEnv(
  core: Core,
  pod: k8s.V1Pod,
  container: k8s.V1Container,
  info: PodRuntimeInfo,
  volumes: Map<string, string>,
): Promise<Record<string, string>> {
  const namespace = pod.metadata!.namespace!;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOSTNAME: pod.metadata!.name!,
  };
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef?.name) {
      const cm = await core.readNamespacedConfigMap({ namespace, name: from.configMapRef.name });
      for (const [k, v] of Object.entries(cm.data ?? {})) env[prefix + k] = v;
    }
    if (from.secretRef?.name) {
      const secret = await core.readNamespacedSecret({ namespace, name: from.secretRef.name });
      for (const [k, v] of Object.entries(secret.data ?? {})) env[prefix + k] = Buffer.from(v, 'base64').toString();
    }
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef) env[e.name] = fieldRef(pod, e.valueFrom.fieldRef.fieldPath, info);
    else if (e.valueFrom?.secretKeyRef) {
      const secret = await core.readNamespacedSecret({ namespace, name: e.valueFrom.secretKeyRef.name! });
      env[e.name] = Buffer.from(secret.data?.[e.valueFrom.secretKeyRef.key] ?? '', 'base64').toString();
    } else if (e.valueFrom?.configMapKeyRef) {
      const cm = await core.readNamespacedConfigMap({ namespace, name: e.valueFrom.configMapKeyRef.name! });
      env[e.name] = cm.data?.[e.valueFrom.configMapKeyRef.key] ?? '';
    }
  }
  // Point paths under a volumeMount at the materialized volume directory.
  for (const mount of container.volumeMounts ?? []) {
    const target = volumes.get(mount.name);
    if (!target) continue;
    const base = mount.mountPath.replace(/\/+$/, '');
    for (const [k, v] of Object.entries(env)) {
      if (v === base || v.startsWith(base + '/')) env[k] = join(target, mount.subPath ?? '', v.slice(base.length));
    }
  }
  return env;
}

function fieldRef(pod: k8s.V1Pod, path: string, info: PodRuntimeInfo): string {
  const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (label) return (label[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[label[2]!] ?? '';
  switch (path) {
    case 'metadata.name':
      return pod.metadata!.name!;
    case 'metadata.namespace':
      return pod.metadata!.namespace!;
    case 'metadata.uid':
      return pod.metadata!.uid!;
    case 'spec.nodeName':
      return info.nodeName;
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? 'default';
    case 'status.podIP':
    case 'status.podIPs':
      return info.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return info.hostIP;
    default:
      return '';
  }
}
