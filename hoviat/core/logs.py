"""Structured logs: one JSON line per request and per job (structlog over the stdlib logging).

Every log line, ours or a library's, goes through the same formatter (settings.LOGGING):
JSON with `timestamp`, `level`, `logger`, `event`, the request id bound for the request or
the job, and the event's own fields. `HOVIAT_LOG_FORMAT=text` gives readable lines instead.

- `RequestLogMiddleware` (early in MIDDLEWARE): a request id (the proxy's `X-Request-ID` when it
  looks like one, else a new one; sent back in the answer), bound for every line logged while
  the request runs; at the end one `request` line (endpoint = the route's name, method,
  status, duration_ms, user_id or partner_id) and the request metrics (core/metrics.py).
- Jobs (huey signals, `jobs_observe`): a job enqueued during a request carries the request's id
  in its task id; one `job` line per run (job, outcome, duration_ms, request_id). Periodic
  jobs and their `*_tick` tasks log at DEBUG unless they fail, so a worker at INFO is quiet.
- Personal data never goes in a field: ids only, never a national code, mobile or PIN. As a
  second guard, the JSON formatter masks anything that looks like a valid national code or a
  mobile number (`personal_data_in`), and the test suite fails if any log record carries one.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

import structlog
from django.http import HttpRequest, HttpResponse

from hoviat.core.national_code import check_digit
from hoviat.core.random_ids import random_bytes

# Not after a Latin letter: a card serial (IR + ten digits) is neither a code nor a mobile.
_NATIONAL_CODE = re.compile(r"(?<![\dA-Za-z])\d{10}(?!\d)")
_MOBILE = re.compile(r"(?<![\dA-Za-z])(?:\+98|0098|98|0)?9\d{9}(?!\d)")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")

# The request line goes through the stdlib logger with its fields as a dict, and the formatter
# writes that dict straight to JSON (_Formatter): structlog's processor chain costs about ten
# times more, on every request.
request_logger = logging.getLogger("hoviat.request")
job_logger = structlog.get_logger("hoviat.job")


_HEX_TO_LETTERS = str.maketrans("0123456789abcdef", "ghijklmnopqrstuv")


def new_request_id() -> str:
    """32 letters (128 random bits): never a run of digits that reads like a national code or
    a mobile number in a log line."""
    return random_bytes(16).hex().translate(_HEX_TO_LETTERS)


def _is_national_code(digits: str) -> bool:
    return len(set(digits)) > 1 and check_digit(digits[:9]) == int(digits[9])


def personal_data_in(text: str) -> list[str]:
    """National codes (10 digits, valid check digit) and Iranian mobiles found in `text`."""
    found = [m for m in _NATIONAL_CODE.findall(text) if _is_national_code(m)]
    found += _MOBILE.findall(text)
    return found


def personal_data_masked(text: str) -> str:
    text = _NATIONAL_CODE.sub(
        lambda m: "**********" if _is_national_code(m.group()) else m.group(), text
    )
    return _MOBILE.sub("09*********", text)


# Our own request and job lines hold only ids, names and numbers we chose: not scanned.
_OWN_LINES = frozenset({"hoviat.request", "hoviat.job"})


class _MaskingJSONRenderer(structlog.processors.JSONRenderer):
    def __call__(self, logger: Any, name: str, event_dict: Any) -> str:
        own = event_dict.get("logger") in _OWN_LINES
        line = str(super().__call__(logger, name, event_dict))
        return line if own else personal_data_masked(line)


_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def _configure_structlog() -> None:
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


class _Formatter(structlog.stdlib.ProcessorFormatter):
    """structlog's formatter, with a short way for the request lines (a dict of our fields)."""

    def __init__(self, *args: Any, json_lines: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.json_lines = json_lines

    def format(self, record: logging.LogRecord) -> str:
        fields = record.msg
        if type(fields) is dict and record.name in _OWN_LINES and not record.args:
            at = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            line = {
                **fields,
                "logger": record.name,
                "level": record.levelname.lower(),
                "timestamp": f"{at}.{int(record.msecs):03d}Z",
            }
            if self.json_lines:
                return json.dumps(line, ensure_ascii=False, default=str)
            return " ".join(f"{key}={value}" for key, value in line.items())
        return super().format(record)


def formatter(format: str = "json") -> logging.Formatter:
    """The formatter of settings.LOGGING's handler (called by logging.config)."""
    _configure_structlog()
    renderer: Any
    if format == "json":
        renderer = _MaskingJSONRenderer(ensure_ascii=False)
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
    return _Formatter(
        json_lines=format == "json",
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )


def endpoint_of(request: HttpRequest) -> str:
    """The route's name (or pattern), never the raw path."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or match.route or "unnamed"


def _who(request: HttpRequest) -> dict[str, Any]:
    # Only what the request already loaded: asking for request.user would read the session.
    who: dict[str, Any] = {}
    user = request.__dict__.get("_cached_user")
    if user is not None and user.is_authenticated:
        who["user_id"] = user.pk
    partner_id = getattr(getattr(request, "auth", None), "partner_id", None)
    if partner_id is not None:
        who["partner_id"] = partner_id
    return who


def _request_line(fields: dict[str, Any]) -> None:
    request_logger.handle(
        logging.LogRecord("hoviat.request", logging.INFO, __file__, 0, fields, (), None)
    )


class RequestLogMiddleware:
    """One `request` line and the request metrics for every request; the request id."""

    def __init__(self, get_response):
        from hoviat.core import metrics

        self.get_response = get_response
        self.metrics = metrics
        self.enabled = logging.getLogger("hoviat.request").isEnabledFor(logging.INFO)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = given if _REQUEST_ID.fullmatch(given) else new_request_id()
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            response = self.get_response(request)
        except BaseException:
            self.metrics.exception_observed(endpoint_of(request))
            raise
        finally:
            structlog.contextvars.clear_contextvars()
        seconds = time.perf_counter() - start
        endpoint = endpoint_of(request)
        self.metrics.request_observed(endpoint, request.method or "", response.status_code, seconds)
        response["X-Request-ID"] = request_id
        if self.enabled:
            # A record made here and handed to the handlers: Logger.info would first walk the
            # stack to find the caller's file and line, which nobody reads for this line.
            _request_line(
                {
                    "event": "request",
                    "request_id": request_id,
                    "endpoint": endpoint,
                    "method": request.method,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 2),
                    **_who(request),
                }
            )
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        self.metrics.exception_observed(endpoint_of(request))


# --- Jobs -------------------------------------------------------------------------------------

_started: dict[str, float] = {}


def _request_id_of(task_id: str) -> str | None:
    request_id, sep, _ = task_id.rpartition(".")
    return request_id if sep else None


def jobs_observe(huey: Any) -> None:
    """Connects the job lines and the request-id hand-over to huey's signals."""
    from huey import signals
    from huey.api import PeriodicTask

    @huey.signal(signals.SIGNAL_ENQUEUED)
    def _enqueued(signal: str, task: Any, *args: Any) -> None:
        # The request's id goes with the task inside its id (huey's message has no other field
        # to carry it): "<request id>.<uuid>".
        request_id = structlog.contextvars.get_contextvars().get("request_id")
        if request_id and "." not in task.id:
            task.id = f"{request_id}.{task.id}"
            task.revoke_id = f"r:{task.id}"

    @huey.signal(signals.SIGNAL_EXECUTING)
    def _executing(signal: str, task: Any, *args: Any) -> None:
        _started[task.id] = time.perf_counter()

    @huey.signal(
        signals.SIGNAL_COMPLETE,
        signals.SIGNAL_ERROR,
        signals.SIGNAL_CANCELED,
        signals.SIGNAL_TIMEOUT,
        signals.SIGNAL_LOCKED,
        signals.SIGNAL_RETRYING,
    )
    def _finished(signal: str, task: Any, *args: Any) -> None:
        started = _started.pop(task.id, None)
        failed = signal != signals.SIGNAL_COMPLETE
        # Periodic jobs, and the ticks they schedule between minutes (`*_tick`, such as the
        # audit sequencer's every few seconds), are housekeeping: quiet unless they fail.
        routine = isinstance(task, PeriodicTask) or task.name.endswith("_tick")
        level = logging.DEBUG if routine and not failed else logging.INFO
        if failed and signal != signals.SIGNAL_RETRYING:
            level = logging.WARNING
        fields: dict[str, Any] = {"job": task.name, "outcome": signal}
        request_id = _request_id_of(task.id)
        if request_id and "request_id" not in structlog.contextvars.get_contextvars():
            fields["request_id"] = request_id
        if started is not None:
            fields["duration_ms"] = round((time.perf_counter() - started) * 1000, 2)
        if args and isinstance(args[0], BaseException):
            fields["error"] = type(args[0]).__name__
        job_logger.log(level, "job", **fields)
