{{/* Chart name, at most 63 characters. */}}
{{- define "avr-sts-openai.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: <release>-<chart>, or the release name when it already contains the chart name. */}}
{{- define "avr-sts-openai.fullname" -}}
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

{{- define "avr-sts-openai.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "avr-sts-openai.selectorLabels" -}}
app.kubernetes.io/name: {{ include "avr-sts-openai.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "avr-sts-openai.labels" -}}
helm.sh/chart: {{ include "avr-sts-openai.chart" . }}
{{ include "avr-sts-openai.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "avr-sts-openai.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "avr-sts-openai.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* "true" when the chart makes its own Secret: no existingSecret and at least one secret value. */}}
{{- define "avr-sts-openai.chartSecret" -}}
{{- if and (not .Values.secrets.existingSecret) (or .Values.secrets.openaiApiKey .Values.secrets.authToken .Values.secrets.metricsAuthToken .Values.secrets.callSummaryAuthHeader .Values.secrets.agentProfileAuthHeader) -}}
true
{{- end }}
{{- end }}

{{/* "true" when the chart makes its ConfigMap: instructions text or tool files. */}}
{{- define "avr-sts-openai.configMap" -}}
{{- if or .Values.instructions.text .Values.tools.files -}}
true
{{- end }}
{{- end }}

{{- define "avr-sts-openai.instructionsDir" -}}
/etc/avr-sts-openai/instructions
{{- end }}

{{/*
setEnv (list $env NAME value): sets $env[NAME] to value as a string unless value is empty or null.
Lists are joined with commas; whole numbers are written as integers (Helm reads YAML numbers as
floats, which would otherwise print as 3.3e+06).
*/}}
{{- define "avr-sts-openai.setEnv" -}}
{{- $env := index . 0 -}}
{{- $name := index . 1 -}}
{{- $value := index . 2 -}}
{{- if not (kindIs "invalid" $value) -}}
{{- if kindIs "slice" $value -}}
{{- $value = join "," $value -}}
{{- else if kindIs "float64" $value -}}
{{- if eq $value (floor $value) -}}
{{- $value = int64 $value -}}
{{- end -}}
{{- end -}}
{{- if ne (toString $value) "" -}}
{{- $_ := set $env $name (toString $value) -}}
{{- end -}}
{{- end -}}
{{- end }}

{{/*
The container's plain env entries: the typed values, then `env` (the schema keeps the two apart).
One setEnv line per variable: test/helm-chart.spec.ts reads these lines to check that every
variable of the service is reachable.
*/}}
{{- define "avr-sts-openai.plainEnv" -}}
{{- $env := dict -}}
{{- include "avr-sts-openai.setEnv" (list $env "PORT" .Values.containerPort) -}}
{{- include "avr-sts-openai.setEnv" (list $env "LOG_LEVEL" .Values.config.logLevel) -}}
{{- include "avr-sts-openai.setEnv" (list $env "MAX_CONCURRENT_CALLS" .Values.config.maxConcurrentCalls) -}}
{{- include "avr-sts-openai.setEnv" (list $env "SHUTDOWN_GRACE_MS" .Values.shutdown.graceMs) -}}
{{- include "avr-sts-openai.setEnv" (list $env "OPENAI_REALTIME_URL" .Values.config.realtimeUrl) -}}
{{- include "avr-sts-openai.setEnv" (list $env "OPENAI_MODEL" .Values.config.model) -}}
{{- include "avr-sts-openai.setEnv" (list $env "OPENAI_VOICE" .Values.config.voice) -}}
{{- include "avr-sts-openai.setEnv" (list $env "OPENAI_LANGUAGE" .Values.config.language) -}}
{{- include "avr-sts-openai.setEnv" (list $env "OPENAI_GREETING" .Values.config.greeting) -}}
{{- include "avr-sts-openai.setEnv" (list $env "AMI_URL" .Values.config.amiUrl) -}}
{{- include "avr-sts-openai.setEnv" (list $env "CALL_SUMMARY_URL" .Values.config.callSummaryUrl) -}}
{{- include "avr-sts-openai.setEnv" (list $env "OPENAI_URL_INSTRUCTIONS" .Values.instructions.url) -}}
{{- if .Values.instructions.text -}}
{{- include "avr-sts-openai.setEnv" (list $env "OPENAI_FILE_INSTRUCTIONS" (printf "%s/instructions.txt" (include "avr-sts-openai.instructionsDir" .))) -}}
{{- else -}}
{{- include "avr-sts-openai.setEnv" (list $env "OPENAI_FILE_INSTRUCTIONS" .Values.instructions.file) -}}
{{- end -}}
{{- include "avr-sts-openai.setEnv" (list $env "TOOLS_DIR" .Values.tools.dir) -}}
{{- include "avr-sts-openai.setEnv" (list $env "AVR_TOOLS" .Values.tools.enabled) -}}
{{- range $name, $value := .Values.env -}}
{{- include "avr-sts-openai.setEnv" (list $env $name $value) -}}
{{- end -}}
{{- range $name, $value := $env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end }}

{{/*
secretEnv (list $ NAME chartValue existingSecretKey): one env entry read from a Secret: the
existingSecret under its configured key (optional), or the chart's Secret when chartValue is set.
*/}}
{{- define "avr-sts-openai.secretEnv" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $value := index . 2 -}}
{{- $key := index . 3 -}}
{{- if $root.Values.secrets.existingSecret }}
{{- if $key }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.secrets.existingSecret | quote }}
      key: {{ $key | quote }}
      optional: true
{{- end }}
{{- else if $value }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "avr-sts-openai.fullname" $root }}
      key: {{ $name }}
{{- end }}
{{- end }}

{{- define "avr-sts-openai.secretEnvs" -}}
{{- include "avr-sts-openai.secretEnv" (list $ "OPENAI_API_KEY" .Values.secrets.openaiApiKey .Values.secrets.existingSecretKeys.openaiApiKey) }}
{{- include "avr-sts-openai.secretEnv" (list $ "AUTH_TOKEN" .Values.secrets.authToken .Values.secrets.existingSecretKeys.authToken) }}
{{- include "avr-sts-openai.secretEnv" (list $ "METRICS_AUTH_TOKEN" .Values.secrets.metricsAuthToken .Values.secrets.existingSecretKeys.metricsAuthToken) }}
{{- include "avr-sts-openai.secretEnv" (list $ "CALL_SUMMARY_AUTH_HEADER" .Values.secrets.callSummaryAuthHeader .Values.secrets.existingSecretKeys.callSummaryAuthHeader) }}
{{- include "avr-sts-openai.secretEnv" (list $ "AGENT_PROFILE_AUTH_HEADER" .Values.secrets.agentProfileAuthHeader .Values.secrets.existingSecretKeys.agentProfileAuthHeader) }}
{{- end }}

{{/* ceil(SHUTDOWN_GRACE_MS / 1000) + preStop pause + margin: the kubelet never kills a draining pod early. */}}
{{- define "avr-sts-openai.terminationGracePeriodSeconds" -}}
{{- add (div (add (int64 .Values.shutdown.graceMs) 999) 1000) (int64 .Values.shutdown.preStopSleepSeconds) (int64 .Values.shutdown.extraSeconds) }}
{{- end }}
