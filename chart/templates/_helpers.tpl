{{/* Names */}}
{{- define "optin.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "optin.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "optin.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "optin.labels" -}}
helm.sh/chart: {{ include "optin.chart" . }}
{{ include "optin.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "optin.selectorLabels" -}}
app.kubernetes.io/name: {{ include "optin.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "optin.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "optin.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "optin.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The Secret the app reads its secret settings from (envFrom). */}}
{{- define "optin.secretName" -}}
{{- if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else }}
{{- include "optin.fullname" . }}
{{- end }}
{{- end }}

{{- define "optin.cnpgClusterName" -}}
{{- printf "%s-db" (include "optin.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "optin.inngestName" -}}
{{- printf "%s-inngest" (include "optin.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "optin.inngestDbName" -}}
{{- printf "%s-inngest-db" (include "optin.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "optin.redisName" -}}
{{- printf "%s-redis" (include "optin.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Where DATABASE_URL comes from: cnpg | url | existingSecret | externalSecret.
*/}}
{{- define "optin.databaseSource" -}}
{{- $ext := .Values.database.external }}
{{- $n := 0 }}
{{- if .Values.cnpg.enabled }}{{ $n = add1 $n }}{{ end }}
{{- if $ext.url }}{{ $n = add1 $n }}{{ end }}
{{- if $ext.existingSecret }}{{ $n = add1 $n }}{{ end }}
{{- if gt $n 1 }}
{{- fail "database: choose one of cnpg.enabled, database.external.url, database.external.existingSecret" }}
{{- end }}
{{- if .Values.cnpg.enabled }}cnpg
{{- else if $ext.url }}url
{{- else if $ext.existingSecret }}existingSecret
{{- else if or .Values.externalSecret.enabled .Values.secrets.existingSecret }}secretSettings
{{- else }}
{{- fail "database: set cnpg.enabled, database.external.url or database.external.existingSecret (or DATABASE_URL in secrets.existingSecret / the ExternalSecret); the chart does not run the embedded database" }}
{{- end }}
{{- end }}

{{/* The env entry for DATABASE_URL when it does not come from the settings Secret (envFrom). */}}
{{- define "optin.databaseUrlEnv" -}}
{{- $src := include "optin.databaseSource" . }}
{{- if eq $src "cnpg" }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "optin.cnpgClusterName" . }}-app
      key: uri
{{- else if eq $src "existingSecret" }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.external.existingSecret }}
      key: {{ .Values.database.external.existingSecretKey }}
{{- end }}
{{- end }}

{{/*
The migration Job is a pre-install hook only when DATABASE_URL exists before the release's own
resources: a URL given in values (copied into a hook Secret) or an existing Secret. With CNPG or
an ExternalSecret, the database or its URL only appears with the release: the first install then
migrates in an init container, and upgrades use the pre-upgrade Job.
*/}}
{{- define "optin.migrateOnInstallByHook" -}}
{{- $src := include "optin.databaseSource" . }}
{{- if or (eq $src "url") (eq $src "existingSecret") (and (eq $src "secretSettings") .Values.secrets.existingSecret) }}true{{ end }}
{{- end }}

{{/* Pod and container security settings shared by every workload of the chart. */}}
{{- define "optin.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
fsGroup: {{ .uid }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "optin.containerSecurityContext" -}}
runAsNonRoot: true
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Refusals that need more than the schema can say. */}}
{{- define "optin.validate" -}}
{{- $multi := or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled }}
{{- if and (eq .Values.inngest.mode "inProcess") $multi }}
{{- fail "inngest.mode inProcess runs the jobs (and every cron) inside each app pod: it needs replicaCount 1 and autoscaling.enabled false. Use inngest.mode cloud or selfHosted to scale out (docs/operations.md, Scaling out)." }}
{{- end }}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- fail "autoscaling.minReplicas must not exceed autoscaling.maxReplicas" }}
{{- end }}
{{- if and .Values.externalSecret.enabled .Values.secrets.existingSecret }}
{{- fail "secrets: choose externalSecret.enabled or secrets.existingSecret, not both" }}
{{- end }}
{{- if and .Values.externalSecret.enabled (not .Values.externalSecret.secretStoreRef.name) }}
{{- fail "externalSecret.secretStoreRef.name is required when externalSecret.enabled" }}
{{- end }}
{{- if and .Values.externalSecret.enabled (not .Values.externalSecret.remoteKey) (not .Values.externalSecret.data) }}
{{- fail "externalSecret: set remoteKey or data (where APP_SECRET, ENCRYPTION_KEYS, … come from)" }}
{{- end }}
{{- if and .Values.cnpg.enabled .Values.cnpg.backup.enabled }}
{{- if not .Values.cnpg.backup.destinationPath }}
{{- fail "cnpg.backup.destinationPath is required when cnpg.backup.enabled" }}
{{- end }}
{{- if and (not .Values.cnpg.backup.inheritFromIAMRole) (not .Values.cnpg.backup.s3Credentials.secretName) }}
{{- fail "cnpg.backup: set s3Credentials.secretName or inheritFromIAMRole" }}
{{- end }}
{{- end }}
{{- if and .Values.cnpg.postgresql.synchronous.enabled (ge (int .Values.cnpg.postgresql.synchronous.number) (int .Values.cnpg.instances)) }}
{{- fail "cnpg.postgresql.synchronous.number must be less than cnpg.instances (standbys only)" }}
{{- end }}
{{- if eq .Values.inngest.mode "selfHosted" }}
{{- $pg := .Values.inngest.selfHosted.postgres }}
{{- if not (or $pg.cnpg.enabled $pg.external.uri $pg.external.existingSecret) }}
{{- fail "inngest.selfHosted.postgres: enable cnpg or set external.uri / external.existingSecret" }}
{{- end }}
{{- $rd := .Values.inngest.selfHosted.redis }}
{{- if not (or $rd.internal.enabled $rd.external.uri $rd.external.existingSecret) }}
{{- fail "inngest.selfHosted.redis: enable internal or set external.uri / external.existingSecret" }}
{{- end }}
{{- end }}
{{- $_ := include "optin.databaseSource" . }}
{{- end }}

{{/* PUBLIC_URL: config.publicUrl, else the first ingress host. */}}
{{- define "optin.publicUrl" -}}
{{- if .Values.config.publicUrl }}
{{- .Values.config.publicUrl }}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts }}
{{- $host := (first .Values.ingress.hosts).host }}
{{- if .Values.ingress.tls }}https://{{ $host }}{{ else }}http://{{ $host }}{{ end }}
{{- end }}
{{- end }}

{{/* The object store of the app's database backups (Cluster.spec.backup; restore docs reuse it). */}}
{{- define "optin.barmanObjectStore" -}}
{{- $b := .Values.cnpg.backup }}
destinationPath: {{ $b.destinationPath | quote }}
{{- with $b.endpointURL }}
endpointURL: {{ . | quote }}
{{- end }}
{{- if $b.inheritFromIAMRole }}
s3Credentials:
  inheritFromIAMRole: true
{{- else }}
s3Credentials:
  accessKeyId:
    name: {{ $b.s3Credentials.secretName }}
    key: {{ $b.s3Credentials.accessKeyIdKey }}
  secretAccessKey:
    name: {{ $b.s3Credentials.secretName }}
    key: {{ $b.s3Credentials.secretAccessKeyKey }}
  {{- with $b.s3Credentials.regionKey }}
  region:
    name: {{ $b.s3Credentials.secretName }}
    key: {{ . }}
  {{- end }}
{{- end }}
wal:
  compression: {{ $b.wal.compression }}
  maxParallel: {{ $b.wal.maxParallel }}
data:
  compression: {{ $b.data.compression }}
{{- end }}
