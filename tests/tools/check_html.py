"""Validates HTML5 documents with html5lib's strict parser (Debian's
python3-html5lib): any parse error -- a stray end tag, a bad attribute,
an unescaped '<' in text, a missing doctype -- fails the check.

usage: check_html.py FILE...   (exit 0 only if every file is valid)
"""
import sys

import html5lib


def main():
    bad = 0
    for path in sys.argv[1:]:
        with open(path, "rb") as f:
            data = f.read()
        parser = html5lib.HTMLParser(strict=True)
        try:
            doc = parser.parse(data)
        except html5lib.html5parser.ParseError as e:
            print(f"{path}: {e}")
            bad += 1
            continue
        # Scripts and event handlers never belong on our pages.
        for el in doc.iter():
            tag = el.tag.split("}")[-1] if isinstance(el.tag, str) else ""
            if tag == "script":
                print(f"{path}: contains a <script> element")
                bad += 1
            for name, value in el.attrib.items():
                if name.lower().startswith("on"):
                    print(f"{path}: event handler attribute {name}")
                    bad += 1
                if name in ("href", "src", "action") and \
                        value.strip().lower().startswith("javascript:"):
                    print(f"{path}: javascript: URL in {name}")
                    bad += 1
    sys.exit(1 if bad else 0)


main()
