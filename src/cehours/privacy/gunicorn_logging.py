"""gunicorn's logger with the ID-number mask on its access and error logs (`cehours serve` uses it).

gunicorn writes its access log ("gunicorn.access": every request line, with the path) and its error
log ("gunicorn.error") through handlers of its own, outside Django's LOGGING; this class adds the
mask filter to them each time gunicorn sets them up (at start and on every reload).
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from .logfilter import MaskIdNumbers


class MaskingLogger(Logger):
    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, MaskIdNumbers) for f in handler.filters):
                    handler.addFilter(MaskIdNumbers())
