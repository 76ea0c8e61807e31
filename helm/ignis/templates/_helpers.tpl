{{/*
Names and labels shared by every template.
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "ignis.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every object name: fullnameOverride, else the release name (with the chart name appended
unless the release name already contains it). At most 63 characters minus room for the longest suffix.
*/}}
{{- define "ignis.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "ignis.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "ignis.labels" -}}
helm.sh/chart: {{ include "ignis.chart" . }}
app.kubernetes.io/name: {{ include "ignis.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: ignis
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels of one component: include with (dict "root" $ "component" "operator"). */}}
{{- define "ignis.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ignis.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Labels of one component's objects: the common labels plus the component. */}}
{{- define "ignis.componentLabels" -}}
{{ include "ignis.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "ignis.operator.fullname" -}}
{{- printf "%s-operator" (include "ignis.fullname" .) }}
{{- end }}

{{- define "ignis.controlPlane.fullname" -}}
{{- printf "%s-control-plane" (include "ignis.fullname" .) }}
{{- end }}

{{- define "ignis.postgresql.fullname" -}}
{{- printf "%s-postgresql" (include "ignis.fullname" .) }}
{{- end }}

{{/* Images: repository:tag, the tag defaulting to the chart's appVersion. */}}
{{- define "ignis.operator.image" -}}
{{- printf "%s:%s" .Values.operator.image.repository (.Values.operator.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{- define "ignis.runtime.image" -}}
{{- printf "%s:%s" .Values.operator.runtimeImage.repository (.Values.operator.runtimeImage.tag | default .Chart.AppVersion) }}
{{- end }}

{{- define "ignis.controlPlane.image" -}}
{{- printf "%s:%s" .Values.controlPlane.image.repository (.Values.controlPlane.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* The namespace the control plane writes InferenceDeployments to. */}}
{{- define "ignis.deploymentNamespace" -}}
{{- .Values.controlPlane.deploymentNamespace | default .Release.Namespace }}
{{- end }}

{{/* The admin key Secret's name. */}}
{{/*
The admin API key's value: the given one, else the one already stored (so an upgrade keeps it), else a new
random one. A new key is drawn once per render and kept in the values (which every template shares, and
which nothing stores), because this is rendered twice: for the Secret, and for the Deployment's checksum/admin-key
annotation; two draws made that annotation hash a key that was never stored, so the first upgrade changed
it and restarted the control plane for nothing. lookup answers nothing under `helm template` and --dry-run,
where a new key is shown.
*/}}
{{- define "ignis.adminKey.value" -}}
{{- $ak := .Values.controlPlane.adminKey -}}
{{- if $ak.value -}}
{{- $ak.value -}}
{{- else -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "ignis.adminKey.secretName" .) -}}
{{- if and $existing $existing.data (hasKey $existing.data $ak.secretKey) -}}
{{- index $existing.data $ak.secretKey | b64dec -}}
{{- else -}}
{{- if not (hasKey $ak "__drawn") -}}
{{- $_ := set $ak "__drawn" (printf "ignis_admin_%s" (randAlphaNum 40)) -}}
{{- end -}}
{{- get $ak "__drawn" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "ignis.adminKey.secretName" -}}
{{- .Values.controlPlane.adminKey.existingSecret | default (printf "%s-admin-key" (include "ignis.controlPlane.fullname" .)) }}
{{- end }}

{{/* The in-cluster database's password Secret's name. */}}
{{- define "ignis.postgresql.secretName" -}}
{{- .Values.database.inCluster.existingSecret | default (include "ignis.postgresql.fullname" .) }}
{{- end }}

{{/*
Security context of every container the chart runs: no privilege escalation, read-only root filesystem,
no capabilities, RuntimeDefault seccomp, never root.
*/}}
{{- define "ignis.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Pod security context for the Ignis images (user and group 10001, as the runtime pods). */}}
{{- define "ignis.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
Checks the values cannot express in the schema, failing the install with a message that names the value.
*/}}
{{- define "ignis.validate" -}}
{{- $watched := .Values.operator.watchNamespaces }}
{{- if and $watched (not (has (include "ignis.deploymentNamespace" .) $watched)) }}
{{- fail (printf "operator.watchNamespaces %v does not contain %q, where the control plane creates InferenceDeployments (controlPlane.deploymentNamespace): the operator would never see them" $watched (include "ignis.deploymentNamespace" .)) }}
{{- end }}
{{- end }}
