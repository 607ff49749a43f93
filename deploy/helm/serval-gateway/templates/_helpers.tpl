{{/* The image every serval container runs. */}}
{{- define "serval.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* The admin token from the shared Secret, for the controller and the routers. */}}
{{- define "serval.adminTokenEnv" -}}
- name: ADMIN_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ .Values.adminToken.secretName }}
      key: token
{{- end }}

{{/* Non-root, no privilege escalation, read-only root, no capabilities: both containers. */}}
{{- define "serval.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end }}
