{{/*
Named templates of the herd chart. Every one takes the chart's context (.Values, .Release,
.Chart); from a parent chart that depends on herd, pass `.Subcharts.herd`.
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "herd.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full name of the release's objects: fullnameOverride, else the release name (plus the chart
name unless the release name contains it). 52 characters at most, so that StatefulSet pod names
and the controller-revision-hash label stay within 63.
*/}}
{{- define "herd.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* name-version for the helm.sh/chart label. */}}
{{- define "herd.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The headless Service whose EndpointSlices are the members (--service). */}}
{{- define "herd.headlessService" -}}
{{- printf "%s-headless" (include "herd.fullname" .) }}
{{- end }}

{{/* The ServiceAccount the agents run as. */}}
{{- define "herd.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "herd.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image reference: repository:tag, the tag defaulting to appVersion. */}}
{{- define "herd.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The Secret holding the peer certificate, key and CA. */}}
{{- define "herd.tlsSecretName" -}}
{{- if .Values.tls.certManager.enabled }}
{{- printf "%s-tls" (include "herd.fullname" .) }}
{{- else }}
{{- required "tls.secretName is required when tls.enabled and not tls.certManager.enabled" .Values.tls.secretName }}
{{- end }}
{{- end }}

{{/* Labels that select the chart's pods (stable across upgrades). */}}
{{- define "herd.selectorLabels" -}}
app.kubernetes.io/name: {{ include "herd.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels on every object; pass a dict with "ctx" (the context) and "component". */}}
{{- define "herd.labels" -}}
{{- $ctx := .ctx -}}
helm.sh/chart: {{ include "herd.chart" $ctx }}
{{ include "herd.selectorLabels" $ctx }}
app.kubernetes.io/version: {{ $ctx.Chart.AppVersion | quote }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: herd
app.kubernetes.io/managed-by: {{ $ctx.Release.Service }}
{{- end }}

{{/*
The pods the Services, the PodDisruptionBudget and the NetworkPolicy select: the chart's agents,
or in sidecar mode the user's pods (sidecar.podLabels).
*/}}
{{- define "herd.podSelector" -}}
{{- if eq .Values.mode "sidecar" }}
{{- if not .Values.sidecar.podLabels }}
{{- fail "sidecar.podLabels is required in sidecar mode: the labels of the pods that carry the herd sidecar" }}
{{- end }}
{{- toYaml .Values.sidecar.podLabels }}
{{- else }}
{{- include "herd.selectorLabels" . }}
{{- end }}
{{- end }}

{{/* The agent's command-line arguments. */}}
{{- define "herd.agentArgs" -}}
- agent
- --name=$(POD_NAME)
- --members=auto
- --namespace=$(POD_NAMESPACE)
- --service={{ include "herd.headlessService" . }}
- --advertise-address=$(POD_IP):{{ .Values.ports.peer }}
- --api-address=0.0.0.0:{{ .Values.ports.api }}
- --peer-address=0.0.0.0:{{ .Values.ports.peer }}
- --metrics-address=0.0.0.0:{{ .Values.ports.metrics }}
- --data-dir=/var/lib/herd
- --strategy={{ .Values.agent.strategy }}
- --redistribution={{ .Values.agent.redistribution }}
{{- with .Values.agent.heartbeatInterval }}
- --heartbeat-interval={{ . }}
{{- end }}
- --heartbeat-deadline={{ .Values.agent.heartbeatDeadline }}
- --log-level={{ .Values.agent.logLevel }}
{{- if not .Values.agent.workloadResources }}
- --workload-resources=false
{{- end }}
{{- if .Values.tls.enabled }}
- --tls-cert=/etc/herd/tls/tls.crt
- --tls-key=/etc/herd/tls/tls.key
- --tls-ca=/etc/herd/tls/ca.crt
- --tls-server-name={{ include "herd.headlessService" . }}
{{- end }}
{{- if and .Values.auth.tokenFile.secretName .Values.auth.tokenReview }}
{{- fail "auth.tokenFile.secretName and auth.tokenReview exclude each other: choose one" }}
{{- end }}
{{- if .Values.auth.tokenFile.secretName }}
- --auth-token-file=/etc/herd/auth/tokens
{{- end }}
{{- if .Values.auth.tokenReview }}
- --auth-tokenreview
{{- end }}
{{- with .Values.agent.extraArgs }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The restricted pod-security context of the agent container. */}}
{{- define "herd.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* The restricted pod-security context of a pod. */}}
{{- define "herd.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
The agent container. The StatefulSet uses it, and so can your own pod spec in sidecar mode:

  containers:
    {{- include "herd.sidecarContainer" .Subcharts.herd | nindent 4 }}
  volumes:
    {{- include "herd.sidecarVolumes" .Subcharts.herd | nindent 4 }}

It mounts the volume `herd-data` at /var/lib/herd (an emptyDir from herd.sidecarVolumes, or your
own volumeClaimTemplate of that name), `herd-tmp` at /tmp, and the TLS and auth Secrets when on.
*/}}
{{- define "herd.sidecarContainer" -}}
- name: herd
  image: {{ include "herd.image" . }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  args:
    {{- include "herd.agentArgs" . | nindent 4 }}
  env:
    - name: POD_NAME
      valueFrom:
        fieldRef:
          fieldPath: metadata.name
    - name: POD_NAMESPACE
      valueFrom:
        fieldRef:
          fieldPath: metadata.namespace
    - name: POD_IP
      valueFrom:
        fieldRef:
          fieldPath: status.podIP
    {{- with .Values.agent.extraEnv }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  ports:
    - name: api
      containerPort: {{ .Values.ports.api }}
      protocol: TCP
    - name: peer
      containerPort: {{ .Values.ports.peer }}
      protocol: TCP
    - name: metrics
      containerPort: {{ .Values.ports.metrics }}
      protocol: TCP
  startupProbe:
    httpGet:
      path: /healthz
      port: api
    periodSeconds: {{ .Values.probes.startup.periodSeconds }}
    timeoutSeconds: {{ .Values.probes.startup.timeoutSeconds }}
    failureThreshold: {{ .Values.probes.startup.failureThreshold }}
  livenessProbe:
    httpGet:
      path: /healthz
      port: api
    periodSeconds: {{ .Values.probes.liveness.periodSeconds }}
    timeoutSeconds: {{ .Values.probes.liveness.timeoutSeconds }}
    failureThreshold: {{ .Values.probes.liveness.failureThreshold }}
  readinessProbe:
    httpGet:
      path: /readyz
      port: api
    periodSeconds: {{ .Values.probes.readiness.periodSeconds }}
    timeoutSeconds: {{ .Values.probes.readiness.timeoutSeconds }}
    failureThreshold: {{ .Values.probes.readiness.failureThreshold }}
  {{- with .Values.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- include "herd.containerSecurityContext" . | nindent 4 }}
  volumeMounts:
    - name: herd-data
      mountPath: /var/lib/herd
    - name: herd-tmp
      mountPath: /tmp
    {{- if .Values.tls.enabled }}
    - name: herd-tls
      mountPath: /etc/herd/tls
      readOnly: true
    {{- end }}
    {{- if .Values.auth.tokenFile.secretName }}
    - name: herd-auth
      mountPath: /etc/herd/auth
      readOnly: true
    {{- end }}
{{- end }}

{{/*
The volumes the agent container mounts, except herd-data when persistence is on (then the
StatefulSet's volumeClaimTemplates provide it). In sidecar mode herd-data is an emptyDir unless
you set persistence.enabled and give your StatefulSet a volumeClaimTemplate named herd-data.
*/}}
{{- define "herd.sidecarVolumes" -}}
{{- if not .Values.persistence.enabled }}
- name: herd-data
  {{- if .Values.persistence.emptyDirSizeLimit }}
  emptyDir:
    sizeLimit: {{ .Values.persistence.emptyDirSizeLimit }}
  {{- else }}
  emptyDir: {}
  {{- end }}
{{- end }}
- name: herd-tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- if .Values.tls.enabled }}
- name: herd-tls
  secret:
    secretName: {{ include "herd.tlsSecretName" . }}
    defaultMode: 0440
{{- end }}
{{- if .Values.auth.tokenFile.secretName }}
- name: herd-auth
  secret:
    secretName: {{ .Values.auth.tokenFile.secretName }}
    defaultMode: 0440
    items:
      - key: tokens
        path: tokens
{{- end }}
{{- end }}
