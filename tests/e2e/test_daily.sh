# End to end: what operators and customers ran into in daily use, each
# checked with real clients (curl for HTTP and Gopher, socat for finger).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixture.sh"
NONE_ID=$(op incident open --title "Router reboot, no effect expected" --service fibre --impact none \
    --body "A planned reboot of a redundant router.")
server_start || { finish; exit 1; }
H="http://127.0.0.1:$HTTP_PORT"
G="gopher://127.0.0.1:$GOPHER_PORT"

# An incident of impact none is "no impact" everywhere, as on the text
# views: never "none impact".
page=$(curl -fsS "$H/")
check_has "HTML summary: no impact" "$page" "Investigating, no impact, since"
check_lacks "HTML summary: never 'none impact'" "$page" "none impact"
for f in history.atom history.rss; do
    feed=$(curl -fsS "$H/$f")
    check_has "$f: no impact" "$feed" "no impact"
    check_lacks "$f: never 'none impact'" "$feed" "none impact"
done
menu=$(curl -fsS "$G/1/incidents")
check_has "Gopher menu: no impact" "$menu" "Investigating - no impact - since"
check_lacks "Gopher menu: never 'none impact'" "$menu" "none impact"
txt=$(curl -fsS "$H/status.txt")
check_lacks "status.txt: never 'none impact'" "$txt" "none impact"
fin=$(printf 'status\r\n' | raw "$FINGER_PORT")
check_lacks "finger: never 'none impact'" "$fin" "none impact"

# A scheduled maintenance was announced, not started, when it was posted:
# the HTML says so like the text views.
mpage=$(curl -fsS "$H/incidents/$MAINT_ID")
check_has "HTML maintenance: Announced" "$mpage" "<dt>Announced</dt>"
check_lacks "HTML maintenance: not Started" "$mpage" "<dt>Started</dt>"
check_has "text maintenance (long form): Announced" "$(printf '/W %s\r\n' "$MAINT_ID" | raw "$FINGER_PORT")" "Announced: "

server_stop
finish
