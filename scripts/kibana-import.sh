#!/usr/bin/env bash
# Imports Kibana saved objects (dashboards, visualizations, index patterns)
# through Kibana's saved-objects API, POST /api/saved_objects/_import
# ?overwrite=true (multipart form, field "file", header kbn-xsrf), one
# request per ndjson file. Works with Kibana 7.17 and 8.x (docs/kibana.md).
#
#   scripts/kibana-import.sh [options]
#
#   --url URL        Kibana's base URL (default $KIBANA_URL, else
#                    http://127.0.0.1:5601); a base path is kept
#                    (https://host/kibana)
#   --space ID       import into this space (/s/ID/api/...); default: the
#                    default space
#   --user NAME      basic authentication; the password is read from
#                    $KIBANA_PASSWORD (never from the command line)
#                    With $KIBANA_API_KEY set (and no --user), that key is
#                    sent instead (Authorization: ApiKey ...).
#   --cacert FILE    CA certificate for an https URL
#   --prefix P       the index prefix (walcast's topic.prefix, MOSIP's
#                    DB_PREFIX_INDEX; default mosip): replaces MOSIP's
#                    ___DB_PREFIX_INDEX___ placeholder and the "mosip." of
#                    walcast's metric index pattern (mosip.metrics.anon_profile*)
#   --walcast        import walcast's metric dashboards
#                    (docker/kibana/walcast-metrics.ndjson)
#   --mosip DIR      import MOSIP's saved objects from DIR (mosip/reporting's
#                    dashboards/): every *.ndjson and *.njson file, in name
#                    order, so 01.index_patterns.ndjson goes first
#   --file FILE      import one more ndjson file (repeatable)
#   -h, --help       this text
#
# Without --walcast, --mosip or --file, walcast's dashboards are imported.
# Exit status: 0 when every file imported, 1 when Kibana is unreachable or
# refused an object (its errors are printed), 2 on bad arguments.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
url=${KIBANA_URL:-http://127.0.0.1:5601}
space=
user=
cacert=
prefix=mosip
walcast=0
mosip_dir=
files=()

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  exit "${1:-2}"
}
die() { echo "kibana-import: $*" >&2; exit 2; }

while (($#)); do
  case "$1" in
    --url) url=${2:-}; shift 2 || usage ;;
    --space) space=${2:-}; shift 2 || usage ;;
    --user) user=${2:-}; shift 2 || usage ;;
    --cacert) cacert=${2:-}; shift 2 || usage ;;
    --prefix) prefix=${2:-}; shift 2 || usage ;;
    --walcast) walcast=1; shift ;;
    --mosip) mosip_dir=${2:-}; shift 2 || usage ;;
    --file) files+=("${2:-}"); shift 2 || usage ;;
    -h|--help) usage 0 ;;
    *) echo "kibana-import: unknown argument '$1'" >&2; usage ;;
  esac
done

[[ "$url" =~ ^https?://[^[:space:]]+$ ]] \
  || die "--url must be an http:// or https:// URL, got '$url'"
url=${url%/}
# Index names are lower case; the prefix also goes into sed.
[[ "$prefix" =~ ^[a-z0-9][a-z0-9._-]*$ ]] \
  || die "--prefix must match [a-z0-9][a-z0-9._-]* (index names are lower case), got '$prefix'"
[[ -z "$space" || "$space" =~ ^[a-z0-9_-]+$ ]] \
  || die "--space must be a space id ([a-z0-9_-]), got '$space'"
[[ -z "$cacert" || -r "$cacert" ]] || die "--cacert: cannot read '$cacert'"
if [[ -n "$user" && -z "${KIBANA_PASSWORD:-}" ]]; then
  die "--user needs the password in the environment variable KIBANA_PASSWORD"
fi

if [[ -n "$mosip_dir" ]]; then
  [[ -d "$mosip_dir" ]] || die "--mosip: '$mosip_dir' is not a directory"
  mapfile -t found < <(find "$mosip_dir" -maxdepth 1 -type f \
    \( -name '*.ndjson' -o -name '*.njson' \) | LC_ALL=C sort)
  ((${#found[@]})) || die "--mosip: no *.ndjson file in '$mosip_dir'"
  files=("${found[@]}" "${files[@]}")
fi
if ((walcast)) || [[ -z "$mosip_dir" && ${#files[@]} -eq 0 ]]; then
  files+=("$root/docker/kibana/walcast-metrics.ndjson")
fi
for f in "${files[@]}"; do
  [[ -f "$f" && -r "$f" ]] || die "cannot read '$f'"
done

endpoint="$url${space:+/s/$space}/api/saved_objects/_import?overwrite=true"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Credentials go to curl through a config file only it reads, so they never
# appear in the process list.
curl_config="$work/curl.conf"
: >"$curl_config"
chmod 600 "$curl_config"
quote() { local s=${1//\\/\\\\}; printf '"%s"' "${s//\"/\\\"}"; }
if [[ -n "$user" ]]; then
  echo "user = $(quote "$user:$KIBANA_PASSWORD")" >>"$curl_config"
elif [[ -n "${KIBANA_API_KEY:-}" ]]; then
  echo "header = $(quote "Authorization: ApiKey $KIBANA_API_KEY")" >>"$curl_config"
fi

failed=0
for f in "${files[@]}"; do
  name=$(basename "$f")
  # MOSIP's loader substitutes the placeholder the same way.
  sed -e "s/___DB_PREFIX_INDEX___/$prefix/g" \
      -e "s/\"mosip\\.metrics\\.anon_profile\\*\"/\"$prefix.metrics.anon_profile*\"/g" \
      "$f" >"$work/${name%.*}.ndjson"
  set +e
  status=$(curl --silent --show-error --config "$curl_config" ${cacert:+--cacert "$cacert"} \
    --connect-timeout 10 --max-time 120 -o "$work/response" -w '%{http_code}' \
    -X POST -H 'kbn-xsrf: true' --form "file=@$work/${name%.*}.ndjson;type=application/ndjson" \
    "$endpoint" 2>"$work/curl.err")
  rc=$?
  set -e
  if ((rc != 0)); then
    echo "kibana-import: cannot reach Kibana at $url ($(tr -d '\n' <"$work/curl.err"));" \
      "is it running?" >&2
    exit 1
  fi
  body=$(cat "$work/response")
  if [[ "$status" == 200 && "$body" =~ \"success\"[[:space:]]*:[[:space:]]*true ]]; then
    count=$(sed -n 's/.*"successCount"[[:space:]]*:[[:space:]]*\([0-9]*\).*/\1/p' <<<"$body")
    echo "imported $name: ${count:-?} objects"
  else
    echo "kibana-import: $name: Kibana answered HTTP $status: $body" >&2
    failed=1
  fi
done
exit "$failed"
