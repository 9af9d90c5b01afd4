"""String formats as JSON Schema draft 7 asserts them, one plain function each.

Each checker follows the RFC the draft names (RFC 3339 dates and times,
RFC 5321 mailbox, RFC 1123 host names with RFC 5890-5892 A-labels, RFC 2673 and
RFC 4291 addresses, RFC 3986 URIs, RFC 4122 UUIDs) and is measured against
the official draft-7 format tests. Everything is ASCII-strict: a Bengali digit
is not a digit here, unlike in Python's ``str.isdigit`` and ``re``'s ``\\d``.
"""

from __future__ import annotations

import calendar
import ipaddress
import re
import unicodedata
from collections.abc import Callable


class _LazyPattern:
    """A regular expression compiled when a value is first checked against it.

    Importing this module should not compile its thirteen expressions: a
    worker's contracts assert one or two formats, or none. ``fullmatch``
    starts as the compiling step and is then the compiled pattern's own
    method, so later checks cost what a plain ``re.Pattern`` would.
    """

    __slots__ = ("_source", "fullmatch")

    def __init__(self, source: str) -> None:
        self._source = source
        self.fullmatch: Callable[[str], re.Match[str] | None] = self._compile_and_match

    def _compile_and_match(self, text: str) -> re.Match[str] | None:
        self.fullmatch = re.compile(self._source).fullmatch
        return self.fullmatch(text)


_DATE = _LazyPattern(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_TIME = _LazyPattern(
    r"([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?([Zz]|([+-])([0-9]{2}):([0-9]{2}))"
)
_IPV4 = _LazyPattern(
    r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}"
)
_UUID = _LazyPattern(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DUR_TIME = r"T(?:[0-9]+H(?:[0-9]+M(?:[0-9]+S)?)?|[0-9]+M(?:[0-9]+S)?|[0-9]+S)"
_DURATION = _LazyPattern(
    rf"P(?:(?:[0-9]+D|[0-9]+M(?:[0-9]+D)?|[0-9]+Y(?:[0-9]+M(?:[0-9]+D)?)?)(?:{_DUR_TIME})?"
    rf"|{_DUR_TIME}|[0-9]+W)"
)
_LABEL = _LazyPattern(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_PART = _LazyPattern(rf'{_ATEXT}(?:\.{_ATEXT})*|"(?:[^"\\\r\n]|\\[\x20-\x7e])*"')
_SCHEME = _LazyPattern(r"[A-Za-z][A-Za-z0-9+.-]*")
_PCT = r"%[0-9A-Fa-f]{2}"
_UNRESERVED_SUB = r"A-Za-z0-9._~!$&'()*+,;=\-"
_REG_NAME = _LazyPattern(rf"(?:[{_UNRESERVED_SUB}]|{_PCT})*")
_USERINFO = _LazyPattern(rf"(?:[{_UNRESERVED_SUB}:]|{_PCT})*")
_SEGMENT = _LazyPattern(rf"(?:[{_UNRESERVED_SUB}:@]|{_PCT})*")
_QUERY = _LazyPattern(rf"(?:[{_UNRESERVED_SUB}:@/?]|{_PCT})*")
_IPV_FUTURE = _LazyPattern(rf"[vV][0-9A-Fa-f]+\.[{_UNRESERVED_SUB}:]+")

_DISALLOWED = frozenset(
    {0x0640, 0x07FA, 0x302E, 0x302F, 0x3031, 0x3032, 0x3033, 0x3034, 0x3035, 0x303B}
)
"""RFC 5892 section 2.6: code points listed as exceptions that are DISALLOWED."""


def _valid_date(year: str, month: str, day: str) -> bool:
    y, m, d = int(year), int(month), int(day)
    return 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1]


def _valid_time(text: str) -> bool:
    match = _TIME.fullmatch(text)
    if match is None:
        return False
    hour, minute, second = int(match[1]), int(match[2]), int(match[3])
    offset_hour, offset_minute = (int(match[7]), int(match[8])) if match[6] else (0, 0)
    if hour > 23 or minute > 59 or second > 60 or offset_hour > 23 or offset_minute > 59:
        return False
    if second == 60:
        # A leap second is only ever 23:59:60 in UTC.
        sign = -1 if match[6] == "-" else 1
        utc_minutes = (hour * 60 + minute - sign * (offset_hour * 60 + offset_minute)) % 1440
        return utc_minutes == 23 * 60 + 59
    return True


def is_date_time(text: str) -> bool:
    date, separator, time = text[:10], text[10:11], text[11:]
    match = _DATE.fullmatch(date)
    return (
        match is not None
        and separator in ("T", "t")
        and _valid_date(*match.groups())
        and _valid_time(time)
    )


def is_date(text: str) -> bool:
    match = _DATE.fullmatch(text)
    return match is not None and _valid_date(*match.groups())


def is_time(text: str) -> bool:
    return _valid_time(text)


def is_ipv4(text: str) -> bool:
    return _IPV4.fullmatch(text) is not None


def is_ipv6(text: str) -> bool:
    if not text.isascii() or "%" in text or text.strip() != text or not text:
        return False
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def is_uuid(text: str) -> bool:
    return _UUID.fullmatch(text) is not None


def is_duration(text: str) -> bool:
    return _DURATION.fullmatch(text) is not None


def _name_of(char: str) -> str:
    return unicodedata.name(char, "") if char else ""


def _context_ok(label: str, index: int) -> bool:
    """RFC 5892 appendix A: code points valid only in context (CONTEXTJ and CONTEXTO)."""
    char = label[index]
    before = label[index - 1] if index > 0 else ""
    after = label[index + 1] if index + 1 < len(label) else ""
    code = ord(char)
    if code == 0x200D:  # ZERO WIDTH JOINER: after a virama
        return bool(before) and unicodedata.combining(before) == 9
    if code == 0x200C:  # ZERO WIDTH NON-JOINER: after a virama or between joining letters
        if before and unicodedata.combining(before) == 9:
            return True
        return bool(before and after) and all(
            unicodedata.category(c) == "Lo" for c in (before, after)
        )
    if code == 0x00B7:  # MIDDLE DOT: between two l
        return before == "l" and after == "l"
    if code == 0x0375:  # GREEK KERAIA: before a Greek letter
        return _name_of(after).startswith("GREEK")
    if code in (0x05F3, 0x05F4):  # HEBREW GERESH and GERSHAYIM: after a Hebrew letter
        return _name_of(before).startswith("HEBREW")
    if code == 0x30FB:  # KATAKANA MIDDLE DOT: with Hiragana, Katakana or Han in the label
        return any(
            _name_of(c).startswith(("HIRAGANA", "KATAKANA", "CJK UNIFIED")) and c != char
            for c in label
        )
    return True


def _is_u_label(label: str) -> bool:
    if not label or label[2:4] == "--" or label[0] == "-" or label[-1] == "-":
        return False
    if unicodedata.category(label[0]).startswith("M"):
        return False
    arabic_indic = any("\u0660" <= c <= "\u0669" for c in label)
    extended = any("\u06f0" <= c <= "\u06f9" for c in label)
    if arabic_indic and extended:
        return False
    return all(ord(c) not in _DISALLOWED and _context_ok(label, i) for i, c in enumerate(label))


def _is_a_label(label: str) -> bool:
    try:
        decoded = label[4:].encode("ascii").decode("punycode")
    except (UnicodeError, ValueError):
        return False
    return decoded.isascii() is False and _is_u_label(decoded)


def is_hostname(text: str) -> bool:
    if not text or len(text) > 253:
        return False
    for label in text.split("."):
        if _LABEL.fullmatch(label) is None:
            return False
        if label[:4].lower() == "xn--":
            if not _is_a_label(label):
                return False
        elif label[2:4] == "--":
            return False
    return True


def is_email(text: str) -> bool:
    local, at, domain = text.rpartition("@")
    if not at or _LOCAL_PART.fullmatch(local) is None:
        return False
    if domain.startswith("[") and domain.endswith("]"):
        literal = domain[1:-1]
        if literal[:5].lower() == "ipv6:":
            return is_ipv6(literal[5:])
        return is_ipv4(literal)
    return is_hostname(domain)


def _authority_ok(authority: str) -> bool:
    userinfo, at, host_port = authority.rpartition("@")
    if at and _USERINFO.fullmatch(userinfo) is None:
        return False
    if host_port.startswith("["):
        literal, bracket, port = host_port[1:].partition("]")
        if not bracket or not (is_ipv6(literal) or _IPV_FUTURE.fullmatch(literal)):
            return False
    else:
        host, colon, digits = host_port.partition(":")
        port = colon + digits
        if _REG_NAME.fullmatch(host) is None:
            return False
    digits = port[1:]
    return port == "" or (
        port[0] == ":" and (digits == "" or (digits.isascii() and digits.isdigit()))
    )


def is_uri(text: str) -> bool:
    """RFC 3986 ``URI``: a scheme, then hier-part, query and fragment of allowed characters."""
    scheme, colon, rest = text.partition(":")
    if not colon or _SCHEME.fullmatch(scheme) is None:
        return False
    rest, _, fragment = rest.partition("#")
    rest, _, query = rest.partition("?")
    if _QUERY.fullmatch(fragment) is None or _QUERY.fullmatch(query) is None:
        return False
    if rest.startswith("//"):
        authority, slash, path = rest[2:].partition("/")
        if not _authority_ok(authority):
            return False
        path = slash + path
    else:
        path = rest
        if path.startswith("//"):
            return False
    return all(_SEGMENT.fullmatch(segment) is not None for segment in path.split("/"))


FORMAT_CHECKERS: dict[str, Callable[[str], bool]] = {
    "date-time": is_date_time,
    "date": is_date,
    "time": is_time,
    "duration": is_duration,
    "email": is_email,
    "hostname": is_hostname,
    "ipv4": is_ipv4,
    "ipv6": is_ipv6,
    "uri": is_uri,
    "uuid": is_uuid,
}
"""Every format the contracts assert; a schema with any other format is refused by jobctl."""
