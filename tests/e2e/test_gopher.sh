# End to end, Gopher: curl and lynx as clients, raw sockets for the edges.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixture.sh"
server_start --set read_timeout_ms=1500 || { finish; exit 1; }
G="gopher://127.0.0.1:$GOPHER_PORT"

menu=$(curl -fsS "$G/")
check_has "root menu names the open incident" "$menu" "Packet loss on DSL North"
check "root menu: every line has four fields and CRLF, ends with ." python3 -c '
import sys
data = open(sys.argv[1], "rb").read()
assert data.endswith(b".\r\n"), data[-20:]
lines = data[:-3].split(b"\r\n")
assert lines[-1] == b"", lines[-1]
for l in lines[:-1]:
    assert l.count(b"\t") == 3, l
    assert b"\r" not in l and b"\n" not in l
' <(curl -fsS "$G/")
check_has "root menu advertises the configured host" "$menu" "127.0.0.1	$GOPHER_PORT"

st=$(curl -fsS "$G/0/status.txt")
check_has "type-0 status text" "$st" "IMAP and POP3"
inc=$(curl -fsS "$G/0/incidents/$OPEN_ID")
check_has "type-0 incident with its timeline" "$inc" "line card in exchange N3"
check_has "type-0 incident with its first update" "$inc" "dropped sessions"

dump=$(TERM=dumb lynx -dump "$G/" 2>&1)
check_has "lynx renders the gopher menu" "$dump" "Packet loss on DSL North"
dump=$(TERM=dumb lynx -dump "$G/0/incidents/$OPEN_ID" 2>&1)
check_has "lynx renders a gopher text item" "$dump" "line card in exchange N3"

# The UMN client's Gopher+ opening: a stub pointing at the plain root.
stub=$(printf '\t$\r\n' | raw "$GOPHER_PORT")
check_has "gopher+ root stub" "$stub" "+INFO: 1Main menu"
# bombadillo sends bare LF.
lf=$(printf '/status.txt\n' | raw "$GOPHER_PORT")
check_has "bare LF request" "$lf" "IMAP and POP3"
# A request split over three writes (never assume one read per request).
split=$( { printf '/stat'; sleep 0.3; printf 'us.tx'; sleep 0.3; printf 't\r\n'; sleep 0.5; } | raw "$GOPHER_PORT")
check_has "split request reassembled" "$split" "IMAP and POP3"
# curl's %0D%0A trick: only the first line counts.
inj=$(printf '/nosuch\r\n/status.txt\r\n' | raw "$GOPHER_PORT")
check_has "CRLF injection: first line answered" "$inj" "3"
check_lacks "CRLF injection: second line ignored" "$inj" "IMAP and POP3"
printf '/nosuch\r\n' | raw "$GOPHER_PORT" >"$T/err"
check "unknown selector: one type-3 line then ." python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
lines = d.split(b"\r\n")
assert lines == [lines[0], b".", b""], d
assert lines[0].startswith(b"3") and lines[0].count(b"\t") == 3, d
' "$T/err"
long=$(head -c 2000 /dev/zero | tr '\0' a | raw "$GOPHER_PORT")
check "over-long selector refused with type 3" test "$(printf '%s' "$long" | head -c1)" = 3
eofq=$(printf '/status.txt' | raw "$GOPHER_PORT")
check_has "no newline, then EOF: still answered" "$eofq" "IMAP and POP3"
red=$(printf 'URL:https://example.net/a?b=1&c="x"\r\n' | raw "$GOPHER_PORT")
check_has "URL: selector gives an HTML redirect" "$red" "https://example.net/a?b=1&amp;c=&quot;x&quot;"
js=$(printf 'URL:javascript:alert(1)\r\n' | raw "$GOPHER_PORT")
check_lacks "URL:javascript: is refused" "$js" "href=\"javascript"

# A client that never finishes its request is closed at the read deadline
# (1.5 s here): cat sees the server's end of stream.
exec {slow}<>"/dev/tcp/127.0.0.1/$GOPHER_PORT"
printf '/sta' >&$slow
start=$(date +%s%N)
out=$(timeout 8 cat <&$slow)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
exec {slow}>&-
check "idle client closed at the deadline (${ms} ms)" test "$ms" -lt 5000
check_lacks "deadline: the partial request is not served" "$out" "IMAP"

server_stop
finish
