#!/usr/bin/env bash
# Done-when evidence for issue 13 (typed input; decisions bound to what the approver saw), as curl
# transcripts against a running server:
#   1. a typed approval refused (422 naming the failing path, nothing written), then accepted;
#   2. an approve-with-edits (payload version 2, the diff on the timeline, the earlier vote stale)
#      followed by a vote on the old version refused (409 payload_changed), then the quorum on v2.
#
#   BASE_URL=http://127.0.0.1:3000 DATABASE_URL=postgres://… e2e/evidence/typed-decisions-evidence.sh
#
# DATABASE_URL is the server's database: the script makes its people and API tokens there with the
# CLI (npm run cli). Needs curl and jq.
set -euo pipefail
: "${BASE_URL:?set BASE_URL to the running server, e.g. http://127.0.0.1:3000}"
: "${DATABASE_URL:?set DATABASE_URL to the server’s database (for the CLI that makes the evidence users)}"
cd "$(dirname "$0")/../.."
run_id="$(date +%s)"

# A person with a role and an API token of that role's permissions (the CLI prints the token last).
person() {
  local name="$1" role="$2" perms="$3" email="$1-${run_id}@example.com"
  printf 'correct-horse-battery-staple\n' | npx tsx lib/bin/cli.ts user create --email "$email" --role "$role" --name "$name" >/dev/null
  npx tsx lib/bin/cli.ts token create --name "evidence-$name-$run_id" --permissions "$perms" --user "$email" | tail -n 1
}
ADMIN_PERMS="workflow:read,workflow:write,execution:read,execution:create,execution:cancel,approval:read"
APPROVER_PERMS="workflow:read,execution:read,approval:read,approval:decide"
echo "# making the evidence users and tokens (npm run cli) …" >&2
ADMIN="$(person olivia admin "$ADMIN_PERMS")"
ALICE="$(person alice approver "$APPROVER_PERMS")"
BOB="$(person bob approver "$APPROVER_PERMS")"
CAROL="$(person carol approver "$APPROVER_PERMS")"

LAST_BODY=""
# Prints the request as a curl command line, then the status and the JSON answer (filtered by $4).
call() {
  local who="$1" method="$2" path="$3" filter="${4:-.}" body="${5:-}" token
  token="${!who}"
  echo
  if [[ -n "$body" ]]; then
    echo "\$ curl -s -X $method \"\$BASE_URL$path\" -H \"Authorization: Bearer \$$who\" -H 'content-type: application/json' -d '$body'"
    out="$(curl -s -w '\n%{http_code}' -X "$method" "$BASE_URL$path" -H "Authorization: Bearer $token" -H 'content-type: application/json' -d "$body")"
  else
    echo "\$ curl -s \"\$BASE_URL$path\" -H \"Authorization: Bearer \$$who\""
    out="$(curl -s -w '\n%{http_code}' -X "$method" "$BASE_URL$path" -H "Authorization: Bearer $token")"
  fi
  LAST_BODY="$(printf '%s' "$out" | sed '$d')"
  echo "HTTP $(printf '%s' "$out" | tail -n 1)"
  printf '%s' "$LAST_BODY" | jq "$filter"
}

KEY="refunds-typed-$run_id"
DEFINITION='{"steps":[{"id":"sign-off","type":"approval","reason":"Refund needs two sign-offs","required_approvals":2,"approver_role":"approver","editable":["amount","note"],"input_schema":{"type":"object","properties":{"cost_center":{"type":"string","enum":["ops","sales","rnd"],"description":"Who pays"},"approved_amount":{"type":"integer","minimum":1},"amount":{"type":"integer","minimum":1},"note":{"type":"string","maxLength":200}},"required":["cost_center","approved_amount"],"additionalProperties":false},"on_approve":"pay"},{"id":"pay","type":"action","action":{"type":"set","values":{"paid":true}}}]}'

echo "==== 0. A workflow whose approval step declares input_schema and editable fields (a bad schema is refused first) ===="
call ADMIN POST /api/v1/workflows '.' "{\"key\":\"bad-$KEY\",\"name\":\"Bad\",\"definition\":{\"steps\":[{\"id\":\"a\",\"type\":\"approval\",\"reason\":\"x\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\",\"minimum\":\"one\"}}}}]}}"
call ADMIN POST /api/v1/workflows '{key, definition: {approval: .definition.steps[0] | {id, editable, input_schema}}}' "{\"key\":\"$KEY\",\"name\":\"Typed refund\",\"definition\":$DEFINITION}"
call ADMIN POST /api/v1/executions '{id, status, paused_step_id, context}' "{\"workflow_id\":\"$KEY\",\"trigger_payload\":{\"order_id\":\"ORD-1042\",\"amount\":1200,\"note\":\"\"}}"
EXEC="$(printf '%s' "$LAST_BODY" | jq -r .id)"
call ADMIN GET "/api/v1/executions/$EXEC" '.approvals[0] | {id, status, payload_version, payload_hash, editable, required_approvals}'
APPROVAL="$(printf '%s' "$LAST_BODY" | jq -r '.approvals[0].id')"

echo
echo "==== 1. A typed approval refused (422 naming the path, nothing written), then accepted ===="
call ALICE POST "/api/v1/approvals/$APPROVAL/approve" '.' '{"data":{"cost_center":"marketing","approved_amount":1200},"payload_version":1}'
call ALICE POST "/api/v1/approvals/$APPROVAL/approve" '.' '{"data":{"cost_center":"ops"},"payload_version":1}'
call ADMIN GET "/api/v1/approvals/$APPROVAL" '{status, approvals_received, decisions}'
call ALICE POST "/api/v1/approvals/$APPROVAL/approve" '{status, payload_version, approvals_received, required_approvals, decisions}' '{"comment":"cost center checked","data":{"cost_center":"ops","approved_amount":1200},"payload_version":1}'

echo
echo "==== 2. Approve with edits (version 2, diff on the timeline, Alice's vote stale), then a vote on version 1 refused ===="
call BOB POST "/api/v1/approvals/$APPROVAL/approve" '.' '{"edits":{"cost_center":"rnd"},"data":{"cost_center":"ops","approved_amount":900},"payload_version":1}'
call BOB POST "/api/v1/approvals/$APPROVAL/approve" '{status, payload_version, payload_hash, approvals_received, decisions: [.decisions[] | {actor, payload_version, stale}]}' '{"edits":{"amount":900,"note":"capped at the order value"},"data":{"cost_center":"ops","approved_amount":900},"payload_version":1}'
call ADMIN GET "/api/v1/executions/$EXEC" '{context: (.context | {amount, note}), timeline: [.events[] | select(.type == "payload_edited") | {type, actor, created_at, data}]}'
call CAROL POST "/api/v1/approvals/$APPROVAL/approve" '.' '{"data":{"cost_center":"sales","approved_amount":1200},"payload_version":1}'
call ADMIN GET "/api/v1/approvals/$APPROVAL" '{status, payload_version, approvals_received}'
call CAROL POST "/api/v1/approvals/$APPROVAL/approve" '{status, payload_version, approvals_received, decisions: [.decisions[] | {actor, payload_version, stale}]}' '{"data":{"cost_center":"sales","approved_amount":900},"payload_version":2}'
echo
echo "# decided: resume_data holds the decision and the counted approvals' data (the worker, if one runs, resumes it within a second)"
sleep 2
call ADMIN GET "/api/v1/executions/$EXEC" '{status, resume_data, context}'
