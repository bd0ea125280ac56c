"""E-mail digests (arXiv listings, Scholar alerts) saved as .eml: headers and the readable body.

The stdlib `email` package does the MIME work (multipart, quoted-printable, base64,
charsets); this module only picks the part a loader wants.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

from .records import DigestDate

_HEADER = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,40}:[ \t]")
_KNOWN = ("date:", "from:", "subject:", "to:", "message-id:", "received:", "mime-version:", "return-path:")


@dataclass(frozen=True, slots=True)
class Mail:
    subject: str
    date: DigestDate | None
    body: str  # the text/plain part, else the text/html part
    html: bool
    header_lines: int  # lines before the body, so loaders can report file line numbers


def looks_like_mail(text: str) -> bool:
    """Starts with RFC 822 headers such as `Date:`, `From:`, `Subject:`."""
    head = text[:4000].lstrip("\ufeff").split("\n\n", 1)[0].lower().splitlines()
    return bool(head) and _HEADER.match(head[0]) is not None and sum(line.startswith(_KNOWN) for line in head) >= 2


def mail_date(value: str | None) -> DigestDate | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return DigestDate(when.month, when.day, when.year)


def read_mail(text: str) -> Mail:
    message = email.message_from_string(text, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        body, html = text.split("\n\n", 1)[-1], False
    else:
        try:
            content = part.get_content()
        except (LookupError, ValueError):  # an unknown charset: the raw payload beats nothing
            payload = part.get_payload(decode=True)
            content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else str(payload)
        body, html = str(content), part.get_content_subtype() == "html"
    header_lines = text.split("\n\n", 1)[0].count("\n") + 2 if "\n\n" in text else 1
    return Mail(str(message.get("subject", "")), mail_date(message.get("date")), body, html, header_lines)
