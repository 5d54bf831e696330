# End to end: the manual pages. The build installs outpost(1) and
# outpost.conf(5) beside the binary (share/man), as they are in tools/man;
# `mandoc -Tlint` finds nothing in them; outpost(1) documents every command
# of `outpost --help` and of README.md's "Command line" and no other, and
# every flag the help texts print; outpost.conf(5) documents every key of
# README.md's Configuration table and no other, each one a key the binary
# takes.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MAN=$(cd "$(dirname "$OUTPOST_BIN")/.." && pwd)/share/man

for page in man1/outpost.1 man5/outpost.conf.5; do
    check "installed by the build: $page" cmp "$MAN/$page" "$ROOT/tools/man/$(basename "$page")"
done

# Lint from a folder that holds both pages, so that their references to
# each other resolve (mandoc looks a referenced page up there and in the
# system's manual). Notes about the system's own mandoc.db are not about
# these pages and are left out; every message about a page is a failure.
command -v mandoc >/dev/null || { fail "mandoc is installed (tools/dev test installs it)"; finish; exit 1; }
mkdir "$T/lint"
cp "$MAN/man1/outpost.1" "$MAN/man5/outpost.conf.5" "$T/lint/"
lint=$(cd "$T/lint" && mandoc -Tlint outpost.1 outpost.conf.5 2>&1); rc=$?
check_rc "mandoc -Tlint: exit 0" "$rc" 0
check_eq "mandoc -Tlint: no message about the pages" "$(printf '%s\n' "$lint" | grep -v 'mandoc.db' || true)" ""
# The pages render, and say what they are about.
text=$(mandoc -Tutf8 "$T/lint/outpost.1" 2>&1 | col -b)
check_has "outpost(1) renders" "$text" "outpost – status server"
text=$(mandoc -Tutf8 "$T/lint/outpost.conf.5" 2>&1 | col -b)
check_has "outpost.conf(5) renders" "$text" "configuration of the outpost status server"

# lists WHAT: prints the sorted list of commands or keys from each source,
# one source a line: "NAME: item item ...".
"$OUTPOST" --help >"$T/help.txt"
"$OUTPOST" serve --help >"$T/serve-help.txt"
"$OUTPOST" check --help >"$T/check-help.txt"
python3 - "$ROOT" "$T" >"$T/lists" <<'PY'
import re, sys
root, t = sys.argv[1], sys.argv[2]

def section(lines, start, is_end):
    out, inside = [], False
    for line in lines:
        if inside and is_end(line):
            break
        if inside:
            out.append(line)
        if line.startswith(start):
            inside = True
    return out

readme = open(root + "/README.md").read().splitlines()
man1 = open(root + "/tools/man/outpost.1").read().splitlines()
man5 = open(root + "/tools/man/outpost.conf.5").read().splitlines()

def command_words(words):
    """The command's words: the lower-case words that open the line;
    "start|complete" is two commands."""
    names = [[]]
    for w in words:
        if not re.fullmatch(r"[a-z]+(\|[a-z]+)*", w):
            break
        alts = w.split("|")
        names = [n + [a] for n in names for a in alts]
    return [" ".join(n) for n in names if n]

# `outpost --help`: "  outpost WORDS ARGS" lines.
help_cmds = set()
for line in open(t + "/help.txt"):
    m = re.match(r"\s+outpost (.*)", line)
    if m:
        help_cmds.update(command_words(m.group(1).split()))

# README.md "Command line": the indented synopsis lines; " | " starts
# another command of the line ("token add NAME | token list [--json]").
readme_cmds = set()
for line in section(readme, "## Command line", lambda l: l.startswith("## ")):
    if not line.startswith("    outpost ") or line.startswith("    outpost [--db"):
        continue
    for piece in re.split(r" \| (?=(?:outpost )?[a-z])", line.strip()):
        words = piece.split()
        if words and words[0] == "outpost":
            words = words[1:]
        readme_cmds.update(command_words(words))

# outpost(1): ".It Cm WORDS ..." items of the COMMANDS section.
man_cmds = set()
for line in section(man1, ".Sh COMMANDS", lambda l: l.startswith(".Sh ")):
    if line.startswith(".It Cm "):
        man_cmds.update(command_words(line.split()[2:]))

# Flags the help texts print, and those outpost(1) has (".Fl -name").
help_flags = set()
for name in ("help.txt", "serve-help.txt", "check-help.txt"):
    help_flags.update(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", open(t + "/" + name).read()))
man_flags = set("--" + f for f in re.findall(r"\bFl -([a-z][a-z-]*)", "\n".join(man1)))

# README.md Configuration: the first column's `key` names.
readme_keys = set()
for line in section(readme, "## Configuration", lambda l: l.startswith("## ")):
    if line.startswith("| `"):
        first = line.split("|")[1]
        readme_keys.update(k for k in re.findall(r"`([^`]+)`", first) if re.fullmatch(r"[a-z_]+", k))

# outpost.conf(5): ".It Cm key" items of the KEYS section.
man_keys = set()
for line in section(man5, ".Sh KEYS", lambda l: l.startswith(".Sh ")):
    m = re.match(r"\.It Cm ([a-z_]+)", line)
    if m:
        man_keys.add(m.group(1))

for name, items in (("help_cmds", help_cmds), ("readme_cmds", readme_cmds),
                    ("man_cmds", man_cmds), ("help_flags", help_flags),
                    ("man_flags", man_flags), ("readme_keys", readme_keys),
                    ("man_keys", man_keys)):
    print(name + ": " + " ".join(sorted(items)))
PY
sed 's/^/# /' "$T/lists"    # what was compared, for the log
list() { sed -n "s/^$1: //p" "$T/lists"; }
# missing A B: the items of list A that list B lacks.
missing() { comm -23 <(list "$1" | tr ' ' '\n' | sort) <(list "$2" | tr ' ' '\n' | sort) | tr '\n' ' '; }

check "the lists were read" test "$(list help_cmds | wc -w)" -ge 20
check_has "the lists: check is a command" " $(list help_cmds) " " check "
check_has "the lists: time_zone is a key" " $(list readme_keys) " " time_zone "
check_eq "outpost(1) has every command of --help" "$(missing help_cmds man_cmds)" ""
check_eq "--help has every command of outpost(1)" "$(missing man_cmds help_cmds)" ""
check_eq "outpost(1) has every command of README.md" "$(missing readme_cmds man_cmds)" ""
check_eq "README.md has every command of outpost(1)" "$(missing man_cmds readme_cmds)" ""
check_eq "outpost(1) has every flag of the help texts" "$(missing help_flags man_flags)" ""
check_eq "outpost.conf(5) has every key of README.md" "$(missing readme_keys man_keys)" ""

# known KEY: the binary takes the key (a bad value or a missing database
# may follow, but not "unknown setting"). check parses like serve and
# stops at the first error, before it opens anything.
known() {
    ! "$OUTPOST_BIN" --db "$T/none.db" check --set "$1=" 2>&1 | grep -q "unknown setting"
}
bad=
for k in $(list readme_keys); do known "$k" || bad="$bad $k"; done
check_eq "every key of README.md is a key of the binary" "$bad" ""
# A key outpost.conf(5) has beyond README.md's table must be one the
# binary does not take yet (documented ahead of its feature while other
# branches add it): once the binary takes it, the README must list it.
extra=
for k in $(missing man_keys readme_keys); do known "$k" && extra="$extra $k"; done
check_eq "outpost.conf(5) documents no key that the binary takes and README.md lacks" "$extra" ""
if known no_such_key; then fail "the test tells an unknown key"; else pass "the test tells an unknown key"; fi

finish
