"""Writes a JSON document of about SIZE bytes made of the smallest values
JSON allows, the shapes that cost a tree parser the most memory per input
byte; every document is valid JSON within jsonparse's limits (depth 32,
strings of at most 1 MiB, unique member names), so the parser reads it to
the end before `outpost import` refuses it (or, for "export", imports it).

usage: hostile_json.py SHAPE SIZE FILE     (SIZE in bytes, e.g. 67108864)

shapes:
  zeros     [0,0,0,...]                 one number per two bytes
  empties   [[],[],...]                 one empty array per three bytes
  objects   [{},{},...]                 one empty object per three bytes
  deep      [[[[...0...]]],...]         31 levels deep, over and over
  keys      {"a":0,"b":0,...}           one object, the shortest unique names
  strings   ["","",...]                 one empty string per three bytes
  escapes   ["\\n\\"\\u00e9...",...]    1 MiB strings made of escapes
  export    a valid outpost export: services, incidents, many small updates
"""
import json
import sys

CHUNK = 1 << 20


def repeat(out, size, head, item, sep, tail):
    """head item sep item sep ... item tail, at most size bytes."""
    unit = sep + item
    n = max(0, (size - len(head) - len(item) - len(tail)) // len(unit))
    per = max(1, CHUNK // len(unit))
    out.write(head + item)
    while n > 0:
        k = min(n, per)
        out.write(unit * k)
        n -= k
    out.write(tail)


def names():
    """Every string of ASCII letters and digits, shortest first."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    width = 1
    while True:
        count = len(alphabet) ** width
        for i in range(count):
            s = []
            for _ in range(width):
                i, r = divmod(i, len(alphabet))
                s.append(alphabet[r])
            yield "".join(s)
        width += 1


def keys(out, size):
    out.write("{")
    written = 1
    first = True
    parts = []
    for name in names():
        member = ("" if first else ",") + '"' + name + '":0'
        if written + len(member) + 1 > size:
            break
        parts.append(member)
        written += len(member)
        first = False
        if len(parts) >= 65536:
            out.write("".join(parts))
            parts = []
    out.write("".join(parts))
    out.write("}")


def escapes(out, size):
    # 8 bytes encoded, 5 decoded; a string stays under 1 MiB decoded.
    unit = '\\n\\"\\u00e9'
    item = '"' + unit * ((1 << 20) // 5 - 1) + '"'
    repeat(out, size, "[", item, ",", "]")


def export(out, size):
    """A document `outpost import` accepts: a few services and as many
    incidents, each with many short updates, as fit in size bytes."""
    services = [
        {"id": i, "slug": "svc%d" % i, "name": "Service %d" % i,
         "group": None, "description": None, "position": i,
         "manual_status": None, "created_at": 1700000000,
         "updated_at": 1700000000}
        for i in range(1, 9)
    ]
    head = ('{"format":"outpost-export","version":1,"services":'
            + json.dumps(services, separators=(",", ":"))
            + ',"incidents":[')
    tail = '],"tokens":[]}'
    out.write(head)
    written = len(head) + len(tail)
    update_id = 1
    incident_id = 1
    while True:
        updates = []
        for j in range(1000):
            updates.append(
                '{"id":%d,"created_at":1700000000,"status":"investigating",'
                '"body":"x","author":null,"via":"cli","revisions":[]}'
                % (update_id + j))
        inc = ('{"id":%d,"kind":"incident","title":"t","status":"investigating",'
               '"impact":"minor","created_at":1700000000,"started_at":1700000000,'
               '"updated_at":1700000000,"monitoring_at":0,"resolved_at":0,'
               '"scheduled_start":0,"scheduled_end":0,"postmortem":null,'
               '"postmortem_at":0,"postmortem_via":null,'
               '"services":[{"service_id":1,"window_start":0,"window_end":0}],'
               '"updates":[%s]}' % (incident_id, ",".join(updates)))
        if incident_id > 1:
            inc = "," + inc
        if written + len(inc) > size:
            break
        out.write(inc)
        written += len(inc)
        update_id += 1000
        incident_id += 1
    out.write(tail)


def main():
    shape, size, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    simple = {
        "zeros": ("[", "0", ",", "]"),
        "empties": ("[", "[]", ",", "]"),
        "objects": ("[", "{}", ",", "]"),
        "deep": ("[", "[" * 31 + "0" + "]" * 31, ",", "]"),
        "strings": ("[", '""', ",", "]"),
    }
    with open(path, "w", encoding="ascii") as out:
        if shape in simple:
            repeat(out, size, *simple[shape])
        elif shape == "keys":
            keys(out, size)
        elif shape == "escapes":
            escapes(out, size)
        elif shape == "export":
            export(out, size)
        else:
            sys.exit("unknown shape " + shape)


if __name__ == "__main__":
    main()
