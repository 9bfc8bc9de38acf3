# Shared by scripts/loadtest and scripts/bench (sourced, not run).

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_metricsd BIN PORT WORKDIR [LIMITED] [EXTRA ARGS...]: serves the demo account with one
# identity, token "load-token"; raised limits unless LIMITED=1. Sets server_pid. $LAUNCH, when
# set, prefixes the command (scripts/bench pins the server with "taskset -c 1").
start_metricsd() {
  local bin=$1 port=$2 work=$3 limited=${4:-0}
  shift 4 || shift $#
  local limits=',"maxConcurrent":100000,"maxPerMinute":1000000000'
  [ "$limited" = 1 ] && limits=''
  printf '{"tokens":[{"token":"load-token","userId":"loadtest","accounts":["demo"]%s}]}\n' "$limits" > "$work/tokens.json"
  ${LAUNCH:-} "$bin" serve --host 127.0.0.1 --port "$port" --demo --tokens "$work/tokens.json" --data-dir "$work/data" "$@" \
    > "$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; return 1; }
    sleep 0.1
  done
  echo "metricsd did not become ready" >&2
  return 1
}

# make_bodies PORT WORKDIR QUERY: writes WORKDIR/grpc.body (length-prefixed protobuf, encoded by
# protoc from text format) and WORKDIR/rest.body (JSON) for the same query. QUERY is light (all
# section, 3 metrics, one skill) or dashboard (groupBy agentGroupId, 8 metrics).
make_bodies() {
  local port=$1 work=$2 query=$3
  local now=$(( $(date +%s) * 1000 ))
  local from=$(( now - 86400000 + 60000 ))
  local skill
  skill=$(curl -sf -X POST "http://127.0.0.1:$port/manager_workspace/api/account/demo/metrics?limit=1" \
    -H "authorization: Bearer load-token" -H 'content-type: application/json' \
    -d "{\"filters\":{\"time\":{\"from\":$from,\"to\":$now}},\"groupBy\":\"skillId\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["groupBy"]["groups"][0]["key"])')
  local json text
  if [ "$query" = light ]; then
    json="{\"filters\":{\"time\":{\"from\":$from,\"to\":$now},\"skillIds\":[\"$skill\"]},\"metricsToRetrieveByTime\":[\"closed_conversations\",\"avg_wait_time\"],\"metricsToRetrieveCurrentValue\":[\"online_agents\"],\"responseSections\":[\"all\"]}"
    text="account_id: \"demo\" filters { time { from_ms: $from to_ms: $now } skill_ids: \"$skill\" } metrics_to_retrieve_by_time: [\"closed_conversations\", \"avg_wait_time\"] metrics_to_retrieve_current_value: \"online_agents\" response_sections: \"all\""
  else
    json="{\"filters\":{\"time\":{\"from\":$from,\"to\":$now}},\"metricsToRetrieveByTime\":[\"closed_conversations\",\"closed_by_agent\",\"avg_wait_time\",\"avg_time_to_response\"],\"metricsToRetrieveCurrentValue\":[\"online_agents\",\"away_agents\",\"available_slots\",\"agent_load\"],\"groupBy\":\"agentGroupId\"}"
    text="account_id: \"demo\" filters { time { from_ms: $from to_ms: $now } } metrics_to_retrieve_by_time: [\"closed_conversations\", \"closed_by_agent\", \"avg_wait_time\", \"avg_time_to_response\"] metrics_to_retrieve_current_value: [\"online_agents\", \"away_agents\", \"available_slots\", \"agent_load\"] group_by: \"agentGroupId\""
  fi
  printf '%s' "$json" > "$work/rest.body"
  echo "$text" | protoc -Iproto --encode=manager_workspace.v1.GetMetricsRequest proto/manager_workspace/v1/metrics.proto > "$work/msg.pb"
  python3 - "$work/msg.pb" "$work/grpc.body" <<'PY'
import struct, sys
msg = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(b"\x00" + struct.pack(">I", len(msg)) + msg)
PY
}

GRPC_PATH=/manager_workspace.v1.MetricsService/GetMetrics
REST_PATH='/manager_workspace/api/account/demo/metrics?limit=50'
