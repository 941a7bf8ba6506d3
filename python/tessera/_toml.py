"""A small TOML writer: configuration dicts become the TOML text the run driver reads.

Only what configurations hold: tables, numbers, booleans, strings and lists of them (inline
tables inside lists). Floats are written with ``repr``, the shortest text that reads back as the
same double, so a dict and the TOML file it was made from configure the same run bit for bit.
"""

import math
import numbers
import re

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def key(k):
    """A TOML key: bare when it can be, else a quoted string (e.g. "x+")."""
    k = str(k)
    return k if _BARE.match(k) else string(k)


def string(s):
    """A TOML basic string."""
    out = ['"']
    for ch in s:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x20 or code == 0x7F:
            out.append("\\u%04x" % code)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def value(v):
    """The TOML text of one value."""
    if isinstance(v, bool) or type(v).__name__ == "bool_":
        return "true" if v else "false"
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        f = float(v)
        if math.isnan(f):
            return "nan"
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return repr(f)
    if isinstance(v, str):
        return string(v)
    if isinstance(v, dict):
        return "{ " + ", ".join(key(k) + " = " + value(x) for k, x in v.items()) + " }"
    if hasattr(v, "tolist") and not isinstance(v, (str, bytes)):  # numpy arrays and scalars
        return value(v.tolist())
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(value(x) for x in v) + "]"
    raise TypeError("cannot write %r (%s) as a TOML value" % (v, type(v).__name__))


def dumps(table):
    """The TOML text of a dict: its plain values first, then one [section] per sub-dict."""
    lines = []
    _table(table, [], lines)
    return "\n".join(lines) + "\n"


def _table(table, path, lines):
    subtables = []
    if path:
        lines.append("[" + ".".join(key(p) for p in path) + "]")
    for k, v in table.items():
        if isinstance(v, dict):
            subtables.append((k, v))
        else:
            lines.append(key(k) + " = " + value(v))
    for k, v in subtables:
        _table(v, path + [k], lines)
