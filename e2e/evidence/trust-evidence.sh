#!/usr/bin/env bash
# Issue 10 ("Decisions you can trust"): reproduces each of its 14 numbered items against a running
# server and prints, per item, the request(s), the HTTP status, the relevant part of the body, headers
# or log, and a one-line verdict: REPRODUCED (the issue's behaviour) or FIXED (as the issue requires).
# Items that curl cannot show (start-up output, logs, a browser's redirect) show the command and its
# output. The same script runs against the code before the fixes and after them: where the setup
# differs it branches on what the tree can do (e.g. whether `token create` refuses approval:decide
# without --user), never on a version.
#
#   BASE=http://localhost:3902 DATABASE_URL=postgres://postgres:PW@127.0.0.1:5432/wr_ev_after \
#   SERVER_LOG=/tmp/after-start.log TREE=/path/to/checkout e2e/evidence/trust-evidence.sh
#
#   BASE         the running server (`npm start` with DATABASE_URL on a fresh database)
#   DATABASE_URL that server's database (the CLI and psql use it)
#   SERVER_LOG   the output of that `npm start` (items 3, 10, 13); optional
#   TREE         the checkout the server runs from (its CLI, `npm run web`, `npm run worker`);
#                default: this checkout. The browser for item 6 comes from this checkout.
#   SPARE_PORT   two free ports from here for item 14 (default 3998, 3999)
#   SWEEP_WAIT   seconds to wait for a worker sweep in item 11 (default 70; WORKER_INTERVAL is 60 s)
#   SERVER_NOTE  how the server was configured, printed at the top (e.g. "WORKER_INTERVAL=5s TRUSTED_PROXIES=loopback")
# Item 5 sends X-Forwarded-For as a reverse proxy would: start the fixed server with
# TRUSTED_PROXIES=loopback, or every attempt counts as 127.0.0.1 (then that address is throttled).
# Needs curl, jq, psql. API tokens and session cookies are masked (first 6 characters).
set -u
SCRIPT_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TREE=${TREE:-$SCRIPT_ROOT}
: "${BASE:?set BASE}" "${DATABASE_URL:?set DATABASE_URL}"
SERVER_LOG=${SERVER_LOG:-}
SPARE_PORT=${SPARE_PORT:-3998}
SWEEP_WAIT=${SWEEP_WAIT:-70}
RUN=$(date +%s%N | sha256sum | head -c 6)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export NEXT_TELEMETRY_DISABLED=1

# ---------------------------------------------------------------------------------------------- helpers
mask() { sed -E 's/(wr_[A-Za-z0-9_-]{3})[A-Za-z0-9_-]{4,}…?/\1…/g; s/(eyJ[A-Za-z0-9_-]{3})[A-Za-z0-9_.-]{8,}/\1…/g'; }
short() { local s; s=$(printf '%s' "$1" | tr '\n' ' '); if [ ${#s} -gt "${2:-400}" ]; then printf '%s… (%d bytes)' "${s:0:${2:-400}}" "${#1}"; else printf '%s' "$s"; fi; }
say() { printf '%s\n' "$*" | mask; }
section() { printf '\n==================== %s ====================\n' "$*"; }
VERDICTS=()
verdict() { printf '>>> VERDICT item %s: %s\n' "$1" "$2"; VERDICTS+=("item $1: $2"); }

declare -A TOK        # token name → token
declare -A WHO        # auth label → description
# call METHOD PATH AUTH BODY [curl args…]; AUTH is a token name, "jar:FILE" (a session) or "-".
# BODY is '' (none), a JSON string, or @file. Sets STATUS, BODY, HEADERS.
call() {
  local method=$1 path=$2 auth=$3 body=$4; shift 4
  local args=(-s -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' -X "$method" "$BASE$path")
  case $auth in
    -) ;;
    jar:*) args+=(-b "${auth#jar:}" -H "Origin: $BASE") ;;
    *) args+=(-H "Authorization: Bearer ${TOK[$auth]:-missing}") ;;
  esac
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  STATUS=$(curl "${args[@]}" "$@")
  BODY=$(cat "$TMP/body" 2>/dev/null)
  HEADERS=$(cat "$TMP/headers" 2>/dev/null)
  local shown=$body
  [ "${body:0:1}" = @ ] && shown="<$(wc -c <"${body:1}") bytes from a file>"
  say "> $method $path   [as ${WHO[$auth]:-$auth}]${body:+   body: $(short "$shown" 200)}"
  say "< $STATUS $(short "$BODY" "${SHOW:-400}")"
}
jqb() { printf '%s' "$BODY" | jq -c "$@" 2>/dev/null; }

# cli ARGS… : `npm run cli -- ARGS` in the tree under test; STDIN_TEXT (optional) is piped in.
cli() {
  say "\$ npm run cli -- $*${STDIN_TEXT:+   (stdin: a password)}"
  (cd "$TREE" && printf '%s\n' "${STDIN_TEXT:-}" | npm run -s cli -- "$@") >"$TMP/cli" 2>&1
  CLI_RC=$?
  CLI_OUT=$(cat "$TMP/cli")
  mask <"$TMP/cli" | sed 's/^/  | /'
  echo "  (exit $CLI_RC)"
}
# mktoken LABEL PERMISSIONS [USER_EMAIL]
mktoken() {
  local label=$1 perms=$2 user=${3:-}
  cli token create --name "$label-$RUN" --permissions "$perms" ${user:+--user "$user"}
  if [ "$CLI_RC" = 0 ]; then TOK[$label]=$(printf '%s\n' "$CLI_OUT" | tail -1); fi
  WHO[$label]="token $label-$RUN, ${user:+user }${user:-no user}"
}
# mkuser EMAIL ROLE PASSWORD — the password goes in on standard input (both trees read it there).
mkuser() { STDIN_TEXT=$3 cli user create --email "$1" --role "$2" --name "$1"; }
sql() { psql "$DATABASE_URL" -X -q -tA -c "$1" 2>&1; }

# signin EMAIL PASSWORD XFF JAR [CALLBACK] — next-auth's credentials sign-in as the form does it.
signin() {
  local email=$1 pw=$2 xff=$3 jar=$4 cb=${5:-/}
  rm -f "$jar"
  local csrf
  csrf=$(curl -s -c "$jar" -b "$jar" -H "X-Forwarded-For: $xff" "$BASE/api/auth/csrf" | jq -r '.csrfToken // empty')
  SIGNIN_STATUS=$(curl -s -o "$TMP/signin" -w '%{http_code}' -c "$jar" -b "$jar" -H "X-Forwarded-For: $xff" -H "Origin: $BASE" \
    --data-urlencode "email=$email" --data-urlencode "password=$pw" --data-urlencode "csrfToken=$csrf" \
    --data-urlencode "callbackUrl=$cb" --data-urlencode json=true "$BASE/api/auth/callback/credentials")
  local url; url=$(jq -r '.url // empty' "$TMP/signin" 2>/dev/null)
  SIGNIN_ERR=$(printf '%s' "$url" | sed -nE 's/.*[?&]error=([^&]*).*/\1/p' | sed 's/+/ /g; s/%/\\x/g' | xargs -0 printf '%b' 2>/dev/null)
  if grep -q 'session-token' "$jar" 2>/dev/null; then SIGNED_IN=yes; else SIGNED_IN=no; fi
  say "> sign in $email from X-Forwarded-For $xff → $SIGNIN_STATUS, signed in: $SIGNED_IN${SIGNIN_ERR:+, error: $SIGNIN_ERR}"
}
signout() {
  local jar=$1 csrf
  csrf=$(curl -s -c "$jar" -b "$jar" "$BASE/api/auth/csrf" | jq -r '.csrfToken // empty')
  local st; st=$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" -H "Origin: $BASE" \
    --data-urlencode "csrfToken=$csrf" --data-urlencode json=true "$BASE/api/auth/signout")
  say "> POST /api/auth/signout (the console's Sign out) → $st"
}
start_exec() { # WORKFLOW_KEY [PAYLOAD] → EXEC
  call POST /api/v1/executions adm "{\"workflow_id\":\"$1\",\"trigger_payload\":${2:-{\}}}"
  EXEC=$(jqb -r '.id')
}
approval_of() { # EXEC → APPROVAL (the pending request's id)
  SHOW=200 call GET "/api/v1/executions/$1" adm ''
  APPROVAL=$(jqb -r '.approvals[0].id')
}
log_mark() { [ -n "$SERVER_LOG" ] && [ -f "$SERVER_LOG" ] && wc -l <"$SERVER_LOG" || echo 0; }
log_since() { [ -n "$SERVER_LOG" ] && [ -f "$SERVER_LOG" ] && tail -n +"$(($1 + 1))" "$SERVER_LOG"; }
# show_errors MARK : the error lines the server logged since MARK (start of each, and its parameters if any).
show_errors() {
  ERRLINES=$(log_since "$1" | grep -E '"level":("error"|"fatal"|50|60)' | head -3)
  if [ -z "$ERRLINES" ]; then echo "  | (no error lines)"; return; fi
  printf '%s\n' "$ERRLINES" | while IFS= read -r l; do
    printf '  | %s … %s\n' "${l:0:260}" "$(printf '%s' "$l" | grep -oE '(params|parameters)[^"]{0,160}' | head -1)"
  done | mask
}
is2xx() { [ "${1:0:1}" = 2 ]; }
DB_PASSWORD=$(printf '%s' "$DATABASE_URL" | sed -nE 's#^[a-z]+://[^:/@]+:([^@]+)@.*#\1#p')

echo "Server under test: started with npm start (DATABASE_URL on a fresh database${SERVER_NOTE:+; $SERVER_NOTE})."
echo "trust evidence (issue 10) against $BASE, tree $TREE ($(cd "$TREE" && git rev-parse --short HEAD 2>/dev/null)), run $RUN, $(date -u +%FT%TZ)"

# ---------------------------------------------------------------------------------------------- setup
section "setup: users and tokens with the CLI of the tree under test"
cli --help
PW='Evidence-pass-1'
for u in ad:admin op:operator a1:approver a2:approver u3:approver u4:viewer u5:viewer u6:viewer; do
  mkuser "${u%%:*}.$RUN@ev.test" "${u#*:}" "$PW"
done
AD=ad.$RUN@ev.test; OP=op.$RUN@ev.test; A1=a1.$RUN@ev.test; U3=u3.$RUN@ev.test; U4=u4.$RUN@ev.test; U5=u5.$RUN@ev.test; U6=u6.$RUN@ev.test
mktoken adm workflow:read,workflow:write,execution:create,execution:read,execution:cancel,approval:read
mktoken op execution:read,execution:cancel,approval:read "$OP"
mktoken cancelonly execution:cancel
mktoken a1 execution:read,approval:read,approval:decide "$A1"
mktoken ad execution:read,execution:cancel,approval:read,approval:decide "$AD"
mktoken u3 execution:read "$U3"

call POST /api/v1/workflows adm "{\"key\":\"quorum-$RUN\",\"name\":\"Refund over 10k\",\"definition\":{\"steps\":[{\"id\":\"review\",\"type\":\"approval\",\"reason\":\"Large refund\",\"required_approvals\":2,\"approver_role\":\"approver\",\"on_approve\":\"pay\",\"on_reject\":\"stop\"},{\"id\":\"pay\",\"type\":\"action\",\"action\":{\"type\":\"set\",\"values\":{\"paid\":true}}},{\"id\":\"stop\",\"type\":\"action\",\"action\":{\"type\":\"fail\",\"reason\":\"rejected\"}}]}}"
call POST /api/v1/workflows adm "{\"key\":\"pair-$RUN\",\"name\":\"Two people\",\"definition\":{\"steps\":[{\"id\":\"review\",\"type\":\"approval\",\"reason\":\"Four eyes\",\"required_approvals\":2}]}}"
call POST /api/v1/workflows adm "{\"key\":\"hold-$RUN\",\"name\":\"Collect data\",\"definition\":{\"steps\":[{\"id\":\"hold\",\"type\":\"pause\",\"reason\":\"waiting for data\",\"next\":\"hold\"}]}}"

# ---------------------------------------------------------------------------------------------- item 1
section "item 1: a resume decides an approval without approval:decide"
start_exec "quorum-$RUN" '{"amount":25000}'; E1=$EXEC
approval_of "$E1"; A=$APPROVAL
say "approval $A: $(jqb '.approvals[0] | {status, required_approvals, approvals_received, approver_role}')"
call POST "/api/v1/approvals/$A/approve" op '{}'
call POST "/api/v1/executions/$E1/resume" op '{"resume_data":{"approved":true}}'
R1=$STATUS
is2xx "$R1" && say "execution after that resume: $(jqb '{status, context}')"
SHOW=200 call GET "/api/v1/executions/$E1" adm ''
say "  → status $(jqb -r .status); approval: $(jqb '.approvals[0] | {status, required_approvals, approvals_received, approver_role}')"
echo "-- the same with a token holding only execution:cancel:"
start_exec "quorum-$RUN" '{"amount":25000}'; E1b=$EXEC
call POST "/api/v1/executions/$E1b/resume" cancelonly '{"resume_data":{"approved":true}}'
R1b=$STATUS
is2xx "$R1b" && say "  → $(jqb '{status}')"
echo "-- someone who may decide (an admin's bound token: execution:cancel + approval:decide) resumes a 2-approver request: a vote, or a decision?"
start_exec "quorum-$RUN" '{"amount":25000}'; E1c=$EXEC
call POST "/api/v1/executions/$E1c/resume" ad '{"resume_data":{"approved":true,"paid":true}}'
R1c_extra=$STATUS
call POST "/api/v1/executions/$E1c/resume" ad '{"resume_data":{"approved":true,"comment":"looks right"}}'
say "  → execution status $(jqb -r .status)"
SHOW=200 call GET "/api/v1/executions/$E1c" adm ''
say "  → approval: $(jqb '.approvals[0] | {status, required_approvals, approvals_received}')"
if is2xx "$R1" || is2xx "$R1b"; then verdict 1 "REPRODUCED — a resume without approval:decide decided the approval (operator $R1, execution:cancel-only $R1b)"
elif [ "$R1" = 403 ] && [ "$R1b" = 403 ] && [ "$R1c_extra" = 422 ]; then verdict 1 "FIXED — resume on a pending approval without approval:decide → 403 ($R1, $R1b); extra resume_data → 422; a decider's resume is one vote (1 of 2, still paused)"
else verdict 1 "UNEXPECTED ($R1, $R1b, $R1c_extra)"; fi

# ---------------------------------------------------------------------------------------------- item 2
section "item 2: one person counts twice toward a quorum (2 approvals, no approver_role)"
start_exec "pair-$RUN" '{"amount":30000}'; E2=$EXEC
approval_of "$E2"; A=$APPROVAL
signin "$A1" "$PW" 10.2.0.1 "$TMP/a1.jar"
WHO[jar:$TMP/a1.jar]="session of $A1"
call POST "/api/v1/approvals/$A/approve" "jar:$TMP/a1.jar" '{"comment":"approved at the console"}'
echo "-- the same person's own bound token votes again:"
call POST "/api/v1/approvals/$A/approve" a1 '{"comment":"again, by my token"}'
echo "-- a token without --user holding approval:decide:"
mktoken unbound approval:read,approval:decide
UNBOUND_CLI=$CLI_RC
if [ "$UNBOUND_CLI" != 0 ]; then
  echo "   the CLI refuses it; an unbound token stored before that rule is made by hand:"
  mktoken unbound approval:read
  say "\$ psql -c \"update api_tokens set permissions = permissions || '[\\\"approval:decide\\\"]' where name = 'unbound-$RUN'\""
  echo "  | $(sql "update api_tokens set permissions = permissions || '[\"approval:decide\"]'::jsonb where name = 'unbound-$RUN' returning name, permissions")"
  WHO[unbound]="token unbound-$RUN (no user; approval:read,approval:decide — stored earlier)"
fi
call POST "/api/v1/approvals/$A/approve" unbound '{"comment":"second vote"}'
R2=$STATUS
call POST "/api/v1/approvals/$A/reject" unbound '{}'
R2r=$STATUS
SHOW=200 call GET "/api/v1/approvals/$A" adm ''
say "  → request: $(jqb '{status, required_approvals, approvals_received, decided_by: [.decisions[] | .actor + " " + .decision]}')"
if is2xx "$R2"; then verdict 2 "REPRODUCED — CLI made an unbound approval:decide token (exit $UNBOUND_CLI) and its vote completed the quorum next to the same approver's"
elif [ "$UNBOUND_CLI" != 0 ] && [ "$R2" = 403 ] && [ "$R2r" = 403 ]; then verdict 2 "FIXED — the CLI refuses approval:decide without --user (exit $UNBOUND_CLI); an existing unbound token gets 403 on approve and reject; the quorum counts people"
else verdict 2 "UNEXPECTED (cli exit $UNBOUND_CLI, approve $R2, reject $R2r)"; fi

# ---------------------------------------------------------------------------------------------- item 3
section "item 3: demo users in production; user management"
if [ -n "$SERVER_LOG" ] && [ -f "$SERVER_LOG" ]; then
  echo "-- npm start's output ($SERVER_LOG), lines about users and demo data:"
  grep -E '^\[start\]|Demo logins|^ +(admin|operator|approver|viewer) |No users yet|user create' "$SERVER_LOG" | head -14 | mask | sed 's/^/  | /'
fi
say "\$ psql -c \"select email, role from users where email like '%@example.com'\""
DEMO_ROWS=$(sql "select email, role from users where email like '%@example.com' order by email")
printf '%s\n' "${DEMO_ROWS:-(no rows)}" | sed 's/^/  | /'
signin admin@example.com admin-demo-pass 10.3.0.1 "$TMP/demo.jar"
DEMO_IN=$SIGNED_IN
echo "-- user management from the CLI:"
cli user list
if [ "$CLI_RC" = 0 ]; then
  signin "$U3" "$PW" 10.3.0.2 "$TMP/u3.jar"; WHO[jar:$TMP/u3.jar]="session of $U3"
  call GET /api/v1/me "jar:$TMP/u3.jar" ''
  call GET /api/v1/me u3 ''
  cli user disable --email "$U3"
  sleep 2
  call GET /api/v1/me "jar:$TMP/u3.jar" ''; D1=$STATUS
  call GET /api/v1/me u3 ''; D2=$STATUS
  signin "$U3" "$PW" 10.3.0.3 "$TMP/u3b.jar"; D3=$SIGNED_IN
  cli user enable --email "$U3"
  signin "$U3" "$PW" 10.3.0.4 "$TMP/u3.jar"; D4=$SIGNED_IN
  STDIN_TEXT='Evidence-pass-2' cli user passwd --email "$U3"
  sleep 1
  call GET /api/v1/me "jar:$TMP/u3.jar" ''; D5=$STATUS
  signin "$U3" 'Evidence-pass-2' 10.3.0.5 "$TMP/u3c.jar"; D6=$SIGNED_IN
  MGMT="disable: session $D1, token $D2, sign-in $D3; enable: sign-in $D4; passwd: old session $D5, new password sign-in $D6"
else
  cli user disable --email "$U3"
  MGMT="no user list/disable (exit $CLI_RC)"
fi
if [ "$DEMO_IN" = yes ]; then verdict 3 "REPRODUCED — npm start with DATABASE_URL seeded admin@example.com / admin-demo-pass and it signs in; $MGMT"
elif [ "${D1:-}" = 401 ] && [ "${D2:-}" = 401 ] && [ "${D3:-}" = no ] && [ "${D5:-}" = 401 ]; then verdict 3 "FIXED — no demo users seeded, the demo login fails; $MGMT"
else verdict 3 "UNEXPECTED (demo sign-in $DEMO_IN; $MGMT)"; fi

# ---------------------------------------------------------------------------------------------- item 4
section "item 4: sign-out does not end a session"
signin "$U4" "$PW" 10.4.0.1 "$TMP/u4.jar"
cp "$TMP/u4.jar" "$TMP/u4-copy.jar"; WHO[jar:$TMP/u4-copy.jar]="a copy of $U4's cookie, taken before sign-out"
call GET /api/v1/me "jar:$TMP/u4-copy.jar" ''
say "  → $(jqb '{id, role}')"
signout "$TMP/u4.jar"
call GET /api/v1/me "jar:$TMP/u4-copy.jar" ''
R4=$STATUS
if is2xx "$R4"; then verdict 4 "REPRODUCED — the cookie copied before sign-out still answers /me with $R4"
elif [ "$R4" = 401 ]; then verdict 4 "FIXED — the copied cookie gets 401 after sign-out"
else verdict 4 "UNEXPECTED ($R4)"; fi

# ---------------------------------------------------------------------------------------------- item 5
section "item 5: anyone can lock anyone out"
# runs EMAIL PASSWORD N XFF_PREFIX|XFF : N sign-ins, printed as runs of equal answers ("1-5: 401 CredentialsSignin").
runs() {
  local prev="" from=1 i cur xff
  for i in $(seq 1 "$3"); do
    xff=$4; [ "${xff: -1}" = . ] && xff="$4$i"
    signin "$1" "$2" "$xff" "$TMP/x.jar" >/dev/null
    cur="$SIGNIN_STATUS ${SIGNIN_ERR:-signed in: $SIGNED_IN}"
    if [ -n "$prev" ] && [ "$cur" != "$prev" ]; then echo "  attempts $from-$((i - 1)): $prev"; from=$i; fi
    prev=$cur
  done
  echo "  attempts $from-$3: $prev"
}
echo "20 wrong passwords for $U5, each from another X-Forwarded-For (10.5.0.1 … 10.5.0.20):"
runs "$U5" wrong-password 20 10.5.0.
echo "-- the real user, correct password, from a new address:"
signin "$U5" "$PW" 10.5.1.1 "$TMP/u5.jar"
R5=$SIGNED_IN; R5E=$SIGNIN_ERR
echo "-- one address that keeps failing (for $U4) is slowed, also for the right password from there:"
runs "$U4" wrong-password 6 10.5.2.1
signin "$U4" "$PW" 10.5.2.1 "$TMP/x.jar"
echo "-- the sign-in page and ?error= from the URL:"
ERRTXT='Too many failed sign-ins. Call +1-555-0100 to unlock'
page=$(curl -s "$BASE/signin?error=$(jq -rn --arg s "$ERRTXT" '$s|@uri')")
# The message the page shows: the text of its first role="alert" paragraph (server-rendered).
SHOWN=$(printf '%s' "$page" | grep -o '<p[^>]*role="alert"[^>]*>[^<]*' | head -1 | sed 's/.*>//')
if printf '%s' "$SHOWN" | grep -q '555-0100'; then ECHO=yes; else ECHO=no; fi
say "> GET /signin?error=$ERRTXT → the page's error message: \"$SHOWN\" (the URL's text shown: $ECHO)"
if [ "$R5" = no ]; then verdict 5 "REPRODUCED — after 20 failures from 20 addresses the correct password from a new address is refused ($R5E); ?error= echoed: $ECHO"
elif [ "$ECHO" = no ]; then verdict 5 "FIXED — the correct password from an address that has not failed signs in; ?error= text not shown"
else verdict 5 "UNEXPECTED (signed in $R5, echo $ECHO)"; fi

# ---------------------------------------------------------------------------------------------- item 6
section "item 6: open redirect after sign-in (a real browser, e2e/evidence/trust-redirect.ts)"
say "\$ BASE=$BASE EMAIL=$U6 CALLBACK='/\\t/example.org/pwned' npx tsx e2e/evidence/trust-redirect.ts"
(cd "$SCRIPT_ROOT" && BASE=$BASE EMAIL=$U6 PASSWORD=$PW CALLBACK=$'/\t/example.org/pwned' npx tsx e2e/evidence/trust-redirect.ts) >"$TMP/redir" 2>&1
sed 's/^/  | /' "$TMP/redir" | mask | tail -5
if grep -q 'OTHER ORIGIN' "$TMP/redir"; then verdict 6 "REPRODUCED — after signing in the browser is on $(grep -o 'OTHER ORIGIN: .*' "$TMP/redir" | cut -d' ' -f3)"
elif grep -q 'same origin' "$TMP/redir"; then verdict 6 "FIXED — the browser stays on this site ($(sed -n 's/.*browser is on: //p' "$TMP/redir"))"
else verdict 6 "UNEXPECTED (see above)"; fi

# ---------------------------------------------------------------------------------------------- item 7
section "item 7: Idempotency-Key switches off the body limit"
start_exec "hold-$RUN"; E7=$EXEC
{ printf '{"resume_data":{"blob":"'; head -c 8388608 /dev/zero | tr '\0' a; printf '"}}'; } >"$TMP/8mb.json"
{ printf '{"resume_data":{"blob":"'; head -c 67108864 /dev/zero | tr '\0' a; printf '"}}'; } >"$TMP/64mb.json"
web_pid() { ss -ltnpH "sport = :${BASE##*:}" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
rss() { local p; p=$(web_pid); [ -n "$p" ] && awk '/VmRSS|VmHWM/ {printf "%s %d MB  ", $1, $2/1024}' "/proc/$p/status"; }
post_big() { # FILE [KEY]
  local w
  w=$(curl -s -o "$TMP/body" -w '%{http_code} %{size_upload} %{time_total}' -X POST "$BASE/api/v1/executions/$E7/resume" \
    -H "Authorization: Bearer ${TOK[op]}" -H 'Content-Type: application/json' ${2:+-H "Idempotency-Key: $2"} --data-binary "@$1")
  read -r ST UP TT <<<"$w"
  say "> POST /api/v1/executions/$E7/resume  body $(wc -c <"$1") bytes${2:+, Idempotency-Key: $2}"
  say "< $ST $(short "$(cat "$TMP/body" 2>/dev/null)" 160)   — curl had sent $UP bytes when the answer came (${TT}s)"
}
post_big "$TMP/8mb.json"; UP_PLAIN=$UP
post_big "$TMP/8mb.json" "k7-$RUN"; UP_KEY=$UP; ST_KEY=$ST
say "web process (pid $(web_pid)) before 64 MB: $(rss)"
post_big "$TMP/64mb.json" "k7b-$RUN"; UP_64=$UP
sleep 1
say "web process after 64 MB:  $(rss)"
rm -f "$TMP/8mb.json" "$TMP/64mb.json"
if [ "${UP_KEY:-0}" -ge 8000000 ]; then verdict 7 "REPRODUCED — with Idempotency-Key the whole 8 MB body was read ($UP_KEY bytes) before $ST_KEY (without the key: $UP_PLAIN bytes); 64 MB: $UP_64 bytes read"
elif [ "${UP_KEY:-0}" -lt 4000000 ] && [ "${UP_64:-0}" -lt 8000000 ]; then verdict 7 "FIXED — with the key the 413 came after $UP_KEY bytes of 8 MB ($UP_PLAIN without the key) and after $UP_64 of 64 MB; status $ST_KEY"
else verdict 7 "UNEXPECTED (read $UP_KEY / $UP_64 bytes)"; fi

# ---------------------------------------------------------------------------------------------- item 8
section "item 8: loops run forever"
call POST /api/v1/workflows adm "{\"key\":\"spin-$RUN\",\"name\":\"Spin\",\"definition\":{\"steps\":[{\"id\":\"spin\",\"type\":\"action\",\"action\":{\"type\":\"log\",\"message\":\"again\"},\"next\":\"spin\"}]}}"
R8=$STATUS
if is2xx "$R8"; then
  start_exec "spin-$RUN"
  E8=$EXEC
  SHOW=120 call GET "/api/v1/executions/$E8" adm ''
  say "  → status $(jqb -r .status), $(jqb '.events | length') events in one GET ($(printf '%s' "$BODY" | wc -c) bytes)"
  sleep 8
  SHOW=120 call GET "/api/v1/executions/$E8" adm ''
  N8=$(jqb '.events | length')
  say "  → 8 s later: status $(jqb -r .status), $N8 events ($(printf '%s' "$BODY" | wc -c) bytes)"
  SHOW=160 call POST "/api/v1/executions/$E8/cancel" adm '{"reason":"evidence: stop the loop"}'
fi
echo "-- a long straight run (130 log steps): is the timeline paged?"
steps=$(for i in $(seq 1 130); do n=$((i + 1)); [ $i = 130 ] && printf '{"id":"s%d","type":"action","action":{"type":"log"}}' $i || printf '{"id":"s%d","type":"action","action":{"type":"log"},"next":"s%d"},' $i $n; done)
SHOW=120 call POST /api/v1/workflows adm "{\"key\":\"long-$RUN\",\"name\":\"Long\",\"definition\":{\"steps\":[$steps]}}"
start_exec "long-$RUN" >/dev/null
SHOW=100 call GET "/api/v1/executions/$EXEC" adm ''
EV=$(jqb '.events | length'); CUR=$(jqb -r '.events_next_cursor // "absent"')
say "  → status $(jqb -r .status); $EV events in the response; events_next_cursor: $(short "$CUR" 40)"
if [ "$CUR" != absent ] && [ "$CUR" != null ]; then SHOW=100 call GET "/api/v1/executions/$EXEC/events?cursor=$CUR" adm ''; say "  → $(jqb '{count, next_cursor: (.next_cursor|tostring|.[0:20])}')"; fi
if is2xx "$R8"; then verdict 8 "REPRODUCED — a loop without a pause is accepted ($R8) and keeps writing events (${N8:-?} after 8 s); GET returns all $EV events of a 130-step run"
elif [ "$R8" = 422 ] && [ "$CUR" != absent ]; then verdict 8 "FIXED — the loop is refused with 422 naming it; the timeline is paged ($EV events + cursor)"
else verdict 8 "UNEXPECTED ($R8, $EV events, cursor $CUR)"; fi

# ---------------------------------------------------------------------------------------------- item 9
section "item 9: the context grows without bound (five 60 KB resumes)"
start_exec "hold-$RUN"; E9=$EXEC
S9=""
for i in 1 2 3 4 5; do
  { printf '{"resume_data":{"part%d":"' $i; head -c 60000 /dev/zero | tr '\0' x; printf '"}}'; } >"$TMP/60k.json"
  SHOW=160 call POST "/api/v1/executions/$E9/resume" op "@$TMP/60k.json"
  S9+="$STATUS "
done
SHOW=80 call GET "/api/v1/executions/$E9" adm ''
CTX=$(jqb '.context' | wc -c)
say "  → the context is now $CTX bytes"
start_exec "hold-$RUN" >/dev/null
SHOW=80 call GET '/api/v1/executions?limit=20' adm ''
L1=$(printf '%s' "$BODY" | wc -c)
say "  → list page: $L1 bytes; items carry context: $(jqb '[.executions[]? | has("context")] | any')"
SHOW=80 call GET '/api/v1/executions/paused?limit=20' adm ''
L2=$(printf '%s' "$BODY" | wc -c)
say "  → paused list page: $L2 bytes"
if [ "$CTX" -gt 262144 ]; then verdict 9 "REPRODUCED — five 60 KB resumes ($S9) left a $CTX-byte context; list pages $L1 / $L2 bytes"
elif [[ "$S9" == *422* ]] && [ "$L1" -lt 65536 ]; then verdict 9 "FIXED — resumes $S9(the one past 256 KB → 422 context_too_large), context $CTX bytes, list pages $L1 / $L2 bytes"
else verdict 9 "UNEXPECTED ($S9, context $CTX, lists $L1 / $L2)"; fi

# ---------------------------------------------------------------------------------------------- item 10
section "item 10: a crafted cursor"
C=$(printf '["-005000-01-01T00:00:00.000Z","00000000-0000-0000-0000-000000000000"]' | base64 -w0 | tr '+/' '-_' | tr -d '=')
say "cursor = base64url('[\"-005000-01-01T00:00:00.000Z\",\"00000000-0000-0000-0000-000000000000\"]') = $C"
M=$(log_mark)
S10=""
for p in /api/v1/executions /api/v1/executions/paused /api/v1/approvals; do SHOW=200 call GET "$p?cursor=$C" adm ''; S10+="$STATUS "; done
sleep 1
echo "-- error lines the server logged meanwhile (first 3; the start of each … its parameters):"
show_errors "$M"
PARAMS10=no; printf '%s' "$ERRLINES" | grep -qE -- '-005000|params:' && PARAMS10=yes
if [[ "$S10" == *500* ]]; then verdict 10 "REPRODUCED — the crafted cursor → $S10; the log carries the query and its parameters: $PARAMS10"
elif [ "$S10" = "422 422 422 " ]; then verdict 10 "FIXED — 422 on all three lists; nothing with parameters logged ($PARAMS10)"
else verdict 10 "UNEXPECTED ($S10)"; fi

# ---------------------------------------------------------------------------------------------- item 11
section "item 11: idempotency keys never expire; a key left in progress answers 409 forever"
start_exec "hold-$RUN" >/dev/null; E11a=$EXEC
start_exec "hold-$RUN" >/dev/null; E11b=$EXEC
start_exec "hold-$RUN" >/dev/null; E11c=$EXEC
K="k11-$RUN"
call POST "/api/v1/executions/$E11a/resume" op '{"resume_data":{"step":"a"}}' -H "Idempotency-Key: $K"
ACTOR=$(sql "select actor from idempotency_keys where key = '$K'")
say "\$ psql -c \"update idempotency_keys set created_at = now() - interval '25 hours' where key = '$K'\"   (the key is now 25 h old)"
sql "update idempotency_keys set created_at = now() - interval '25 hours' where key = '$K'" | sed 's/^/  | /'
call POST "/api/v1/executions/$E11b/resume" op '{"resume_data":{"step":"b"}}' -H "Idempotency-Key: $K"
R11a=$STATUS
echo "-- a key left in progress by a crash 10 minutes ago (status_code null), then the client retries:"
SCOPE="POST /api/v1/executions/$E11c/resume"; B='{"resume_data":{"step":"c"}}'
HASH=$(printf '%s\n%s' "$SCOPE" "$B" | sha256sum | cut -d' ' -f1)
say "\$ psql -c \"insert into idempotency_keys (actor, key, scope, request_hash, created_at) values ('$ACTOR', 'k11c-$RUN', '$SCOPE', sha256(scope + body), now() - interval '10 minutes')\""
sql "insert into idempotency_keys (actor, key, scope, request_hash, created_at) values ('$ACTOR', 'k11c-$RUN', '$SCOPE', '$HASH', now() - interval '10 minutes')" | sed 's/^/  | /'
call POST "/api/v1/executions/$E11c/resume" op "$B" -H "Idempotency-Key: k11c-$RUN"
R11b=$STATUS
echo "-- a key 25 h old: does the worker delete it? (waiting up to $SWEEP_WAIT s for a sweep)"
sql "insert into idempotency_keys (actor, key, scope, request_hash, status_code, response, created_at) values ('$ACTOR', 'k11d-$RUN', 'POST /x', 'x', 200, '{}', now() - interval '25 hours')" | sed 's/^/  | /'
left=1
for _ in $(seq 1 $((SWEEP_WAIT / 2 + 1))); do left=$(sql "select count(*) from idempotency_keys where key = 'k11d-$RUN'"); [ "$left" = 0 ] && break; sleep 2; done
say "  → rows left for that key: $left"
if [ "$R11a" = 422 ] || [ "$R11b" = 409 ]; then verdict 11 "REPRODUCED — a 25 h old key still binds ($R11a idempotency_key_reused), a 10 min old in-progress key → $R11b, the old key is not deleted ($left left)"
elif is2xx "$R11a" && is2xx "$R11b" && [ "$left" = 0 ]; then verdict 11 "FIXED — the 25 h old key counts as unused ($R11a), the abandoned in-progress key is taken over ($R11b), the worker deleted the expired key"
else verdict 11 "UNEXPECTED ($R11a, $R11b, $left left)"; fi

# ---------------------------------------------------------------------------------------------- item 12
section "item 12: security headers"
H12=""
for p in /signin /api/v1/health; do
  h=$(curl -s -o /dev/null -D - "$BASE$p")
  say "> GET $p → $(printf '%s' "$h" | head -1 | tr -d '\r')"
  printf '%s\n' "$h" | grep -iE '^(content-security-policy|x-content-type-options|referrer-policy|x-frame-options|strict-transport-security):' | tr -d '\r' | cut -c1-300 | sed 's/^/  | /'
  printf '%s\n' "$h" | grep -iE '^set-cookie:' | tr -d '\r' | sed -E 's/=([^;]{6})[^;]*/=\1…/' | sed 's/^/  | /'
  H12+=$h
done
miss=""
for want in "content-security-policy:.*frame-ancestors 'none'" 'x-content-type-options: nosniff' 'referrer-policy:' 'x-frame-options: deny'; do
  [ "$(printf '%s' "$H12" | grep -ciE "^$want")" -ge 2 ] || miss+="[$want] "
done
echo "(HSTS and Secure cookies are only sent when the public URL is https; this server is $BASE)"
if [ -n "$miss" ]; then verdict 12 "REPRODUCED — missing on the page and/or the API: $miss"; else verdict 12 "FIXED — CSP with frame-ancestors 'none', nosniff, Referrer-Policy and X-Frame-Options: DENY on the page and the API"; fi

# ---------------------------------------------------------------------------------------------- item 13
section "item 13: secrets in output and logs"
if [ -n "$SERVER_LOG" ] && [ -f "$SERVER_LOG" ]; then
  echo "-- npm start's output, the database line:"
  grep -E 'Database:' "$SERVER_LOG" | head -2 | sed 's/^/  | /'
  N13=0; [ -n "$DB_PASSWORD" ] && N13=$(grep -cF -- "$DB_PASSWORD" "$SERVER_LOG")
  say "  lines of the server's output containing the database password ('$DB_PASSWORD', a throw-away one): $N13"
else N13=unknown; fi
echo "-- a database error (a column renamed for a moment, as in a bad deployment) and what the log keeps of it:"
MARK=wf-key-param-$RUN
M=$(log_mark)
say "\$ psql -c 'alter table workflows rename column name to name_gone'"; sql 'alter table workflows rename column name to name_gone' | sed 's/^/  | /'
call GET "/api/v1/workflows/$MARK" adm ''
say "\$ psql -c 'alter table workflows rename column name_gone to name'"; sql 'alter table workflows rename column name_gone to name' | sed 's/^/  | /'
sleep 1
show_errors "$M"
PARAMS13=no; printf '%s' "$ERRLINES" | grep -qF -- "$MARK" && PARAMS13=yes
SQL13=no; printf '%s' "$ERRLINES" | grep -qE 'Failed query|select \\"' && SQL13=yes
say "  → the request's parameter ($MARK) in the log: $PARAMS13; the SQL in the log: $SQL13"
if [ "$N13" != 0 ] || [ "$PARAMS13" = yes ]; then verdict 13 "REPRODUCED — the database password in npm start's output on $N13 line(s); a database error logs the SQL ($SQL13) and its parameters ($PARAMS13)"
else verdict 13 "FIXED — the password is masked in npm start's output; a database error logs neither the SQL ($SQL13) nor its parameters ($PARAMS13)"; fi

# ---------------------------------------------------------------------------------------------- item 14
section "item 14: production start checks"
# try_start OUTFILE URL SECONDS ENV… : runs `env ENV…` in its own process group, asks URL every second
# until it answers (→ UP="<status>") or the process exits (→ UP=down), then stops the process group.
try_start() {
  local out=$1 url=$2 secs=$3 pid code; shift 3
  setsid env "$@" >"$out" 2>&1 &
  pid=$!
  UP=down
  for _ in $(seq 1 "$secs"); do
    code=$(curl -s -o "$TMP/probe" -w '%{http_code}' "$url")
    if [ "$code" != 000 ]; then UP=$code; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  if kill -0 "$pid" 2>/dev/null; then RUNNING=yes; else RUNNING="no (it exited)"; fi
  say "  → GET $url: ${UP/down/no answer}; process still running: $RUNNING"
  kill -TERM -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null
  sleep 1
  kill -KILL -- "-$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  grep -vE '^\s*$' "$out" | head -6 | cut -c1-300 | mask | sed 's/^/  | /'
}
P1=$SPARE_PORT; P2=$((SPARE_PORT + 1))
say "\$ NODE_ENV=production NEXTAUTH_SECRET= PORT=$P1 WR_SKIP_MIGRATE=1 DATABASE_URL=… npm run web"
try_start "$TMP/web14" "http://localhost:$P1/api/v1/health" 60 -u NEXTAUTH_SECRET NODE_ENV=production PORT=$P1 WR_SKIP_MIGRATE=1 \
  DATABASE_URL="$DATABASE_URL" bash -c "cd '$TREE' && exec npm run -s web"
W14=$UP
say "\$ NODE_ENV=production WORKER_METRICS_PORT=$P2 METRICS_TOKEN= DATABASE_URL=… npm run worker"
try_start "$TMP/worker14" "http://localhost:$P2/metrics" 40 -u METRICS_TOKEN NODE_ENV=production WORKER_METRICS_PORT=$P2 \
  DATABASE_URL="$DATABASE_URL" bash -c "cd '$TREE' && exec npm run -s worker"
M14=$UP
[ "$M14" != down ] && say "  → the metrics answered without a token: $(grep -c '^# HELP' "$TMP/probe") metrics, e.g. $(grep -m1 '^wr_' "$TMP/probe")"
if [ "$W14" != down ] || [ "$M14" != down ]; then verdict 14 "REPRODUCED — production web server without NEXTAUTH_SECRET answers ($W14); worker metrics without METRICS_TOKEN answer ($M14)"
else verdict 14 "FIXED — with NODE_ENV=production the web server refuses to start without NEXTAUTH_SECRET and the worker refuses WORKER_METRICS_PORT without METRICS_TOKEN"; fi

section "summary"
printf '%s\n' "${VERDICTS[@]}"
