"""Keep secret tokens out of logs.

Portal and invite links are bearer secrets: whoever has one can act as its
owner. Request logs would otherwise write them in full.
"""

import logging
import re

SECRET_PATH = re.compile(r"/(p|i)/[A-Za-z0-9_\-]{16,}")


def redact(text: str) -> str:
    return SECRET_PATH.sub(lambda match: f"/{match.group(1)}/[redacted]", text)


class RedactTokensFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True
