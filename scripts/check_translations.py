#!/usr/bin/env python3
"""Check the translation catalogues: every entry translated, none fuzzy, placeholders kept.

Usage: scripts/check_translations.py [PO_FILE ...]
Without arguments it checks every src/rukhsa/locale/*/LC_MESSAGES/*.po file.
Exits 1 and lists the offending msgids when an entry is untranslated or fuzzy, or when a
translation drops a placeholder of its msgid (%(name)s, %s, {{ name }}) or adds one it lacks.
"""

from __future__ import annotations

import ast
import gettext
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GLOB = "src/rukhsa/locale/*/LC_MESSAGES/*.po"

# Python %-format specifications (named or positional); "%%" is a literal percent sign.
PERCENT = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")
# Template variables, in case a catalogue holds them verbatim.
BRACES = re.compile(r"\{\{\s*([^}]+?)\s*\}\}")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)


def parse_po(path: Path) -> list[Entry]:
    """A small reader for the PO files that makemessages writes (obsolete entries skipped)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    key: tuple[str, int] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if entry is not None and key is not None:  # a comment starts the next entry
                entries.append(entry)
                entry, key = None, None
            entry = entry or Entry(number)
            if line.startswith("#,"):
                entry.flags.update(f.strip() for f in line[2:].split(","))
            continue
        match = re.match(r"(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(\".*\")$", line)
        if match:
            word, index, text = match.group(1), int(match.group(2) or 0), match.group(3)
            starts_entry = word == "msgctxt" or (word == "msgid" and key != ("msgctxt", 0))
            if starts_entry and entry is not None and key is not None:
                entries.append(entry)  # the previous entry is complete
                entry = None
            entry = entry or Entry(number)
            key = (word, index)
            _append(entry, key, ast.literal_eval(text))
        elif line.startswith('"') and entry is not None and key is not None:
            _append(entry, key, ast.literal_eval(line))
        else:
            raise ValueError(f"{path}:{number}: cannot read {raw!r}")
    if entry is not None and key is not None:
        entries.append(entry)
    return entries


def _append(entry: Entry, key: tuple[str, int], text: str) -> None:
    word, index = key
    if word == "msgctxt":
        entry.msgctxt = (entry.msgctxt or "") + text
    elif word == "msgid":
        entry.msgid += text
    elif word == "msgid_plural":
        entry.msgid_plural = (entry.msgid_plural or "") + text
    else:
        entry.msgstr[index] = entry.msgstr.get(index, "") + text


def placeholders(text: str, python_format: bool) -> Counter[str]:
    found: Counter[str] = Counter(f"{{{{ {v} }}}}" for v in BRACES.findall(text))
    if python_format:
        for spec in PERCENT.finditer(text):
            if spec.group(0) != "%%":
                found[spec.group(0)] += 1
    return found


def single_number_forms(entries: list[Entry]) -> set[int]:
    """Plural forms used for one number only (Arabic: 0, 1 and 2), read from the header.

    As `msgfmt --check` allows, such a form may leave out the number ("غدًا" for 1 day).
    """
    header = next((e.msgstr.get(0, "") for e in entries if not e.msgid), "")
    match = re.search(r"plural=([^;\n]+)", header)
    if not match:
        return set()
    form_of = gettext.c2py(match.group(1))
    counts = Counter(form_of(n) for n in range(1000))
    return {form for form, count in counts.items() if count == 1}


def problems(entry: Entry, single_forms: set[int]) -> list[str]:
    if not entry.msgid:  # the header
        return ["fuzzy header"] if "fuzzy" in entry.flags else []
    found = []
    if "fuzzy" in entry.flags:
        found.append("fuzzy")
    translations = list(entry.msgstr.values()) or [""]
    if not all(translations):
        found.append("untranslated")
        return found
    python_format = "python-format" in entry.flags
    singular = placeholders(entry.msgid, python_format)
    wanted = placeholders(entry.msgid_plural or entry.msgid, python_format)
    allowed = wanted | singular
    for index, text in sorted(entry.msgstr.items()):
        have = placeholders(text, python_format)
        label = f"msgstr[{index}]" if entry.msgid_plural else "msgstr"
        needed = wanted & singular if entry.msgid_plural and index in single_forms else wanted
        if missing := sorted(set(needed) - set(have)):
            found.append(f"{label} lacks {', '.join(missing)}")
        if extra := sorted(set(have) - set(allowed)):
            found.append(f"{label} has unknown {', '.join(extra)}")
        if python_format and PERCENT.sub("", text).count("%"):
            found.append(f"{label} has a stray % (write %% for a percent sign)")
    return found


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(ROOT.glob(DEFAULT_GLOB))
    if not paths:
        print(f"No catalogue found under {ROOT / DEFAULT_GLOB}", file=sys.stderr)
        return 1
    failures = 0
    for path in paths:
        entries = parse_po(path)
        single_forms = single_number_forms(entries)
        for entry in entries:
            for problem in problems(entry, single_forms):
                failures += 1
                context = f" (context {entry.msgctxt!r})" if entry.msgctxt else ""
                print(f"{path}:{entry.line}: {problem}: {entry.msgid!r}{context}")
        count = sum(1 for entry in entries if entry.msgid)
        print(f"{path}: {count} entries checked", file=sys.stderr)
    if failures:
        print(f"{failures} translation problem(s) found.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
