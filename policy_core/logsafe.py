"""Values from users (sender ids, user names, addresses) made safe for a log line.

Control characters (\\n, \\r, ESC, …) and backslashes are escaped, so a value can never start a new,
forged log line or colour a terminal; long values are cut.
"""

from __future__ import annotations

from typing import Any

MAX_LOGGED_CHARS = 80
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def log_value(value: Any, limit: int = MAX_LOGGED_CHARS) -> str:
    text = value if isinstance(value, str) else str(value)
    cut = len(text) > limit
    text = text[:limit]
    out = []
    for char in text:
        code = ord(char)
        if char == "\\":
            out.append("\\\\")
        elif char in _NAMED:
            out.append(_NAMED[char])
        elif code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0 or char in "\u2028\u2029\u0085":
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out) + ("…" if cut else "")
