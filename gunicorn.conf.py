"""gunicorn's settings for every deployment: `gunicorn -c gunicorn.conf.py config.wsgi`.

The Dockerfile, the Procfile and docker-compose.yml all start gunicorn with this
file. Its logger writes the access and error logs through artsvp.logging's
`redact()`, the rule Django's own logging uses, so secret links and query values
never reach either log. Command-line flags still override anything set here.
"""

import os
import sys
from pathlib import Path

from gunicorn.glogging import Logger

# The project folder, so the config loads from any working directory.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from artsvp.logging import RedactTokensFilter, redact

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"


def default_workers() -> int:
    """gunicorn's recommended (2 x cores) + 1 sync workers: a request holds its
    worker while it waits on the database, so a core has work while another
    worker waits. Cores this process may run on (a CPU affinity set or cgroup
    cpuset counts); a container's CPU quota does not show here: set
    WEB_CONCURRENCY there."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return 2 * max(cores, 1) + 1


# WEB_CONCURRENCY (or gunicorn's own -w) overrides the default.
workers = int(os.environ.get("WEB_CONCURRENCY") or default_workers())
accesslog = "-"
timeout = 30
# No runtime control socket ($HOME/.gunicorn/gunicorn.ctl): nothing here uses
# gunicornc, and the app user cannot write its home folder in the image.
control_socket_disable = True


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]  # gunicorn ships no type hints
        # Every field a format can name (request line, path, query, Referer,
        # headers, environ) goes through the same rule.
        return {
            name: redact(value) if isinstance(value, str) else value
            for name, value in super().atoms(resp, req, environ, request_time).items()
        }

    def setup(self, cfg) -> None:  # type: ignore[no-untyped-def]  # gunicorn ships no type hints
        super().setup(cfg)
        # The error log names request URIs too ("Error handling request /p/...").
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactTokensFilter) for f in log.filters):
                log.addFilter(RedactTokensFilter())


logger_class = RedactingLogger
