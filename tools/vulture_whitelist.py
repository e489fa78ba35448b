"""Code that vulture sees no call of because it is named in a string or called by a library.

Each line uses a name as vulture reads it (the module is never run); say why beside it.
"""

from vulture.whitelist_utils import Whitelist

_ = Whitelist()

_.IdempotencyMiddleware  # settings.MIDDLEWARE names it
_.signin_locked_response  # settings.AXES_LOCKOUT_CALLABLE (a dotted path)
_.StaffSessionMiddleware  # settings.MIDDLEWARE names it
_.SecondFactorMiddleware
_.RequestSizeLimitMiddleware
_.parse_body  # ninja's Parser interface (core.api.StrictJSONParser)
_._param_source  # ninja asks a parameter class where it reads from (core.api.JSONBody)
_.SimulatorMatcher  # the default DELIVERY_FINGERPRINT_MATCHER (a dotted path)
_.ConsoleBackend  # notifications.backends.BACKENDS: dotted paths chosen by SMS_BACKEND
_.FileBackend
_.KavenegarBackend
_.receive_data_chunk  # Django's upload-handler interface (enrolment/uploads.py)
_.file_complete
_._create  # `hoviat partner <action>` runs self._<action>
_._key_create
_._key_rotate
_._key_revoke
_.log_message  # http.server's handler interface (the fake Kavenegar in the tests)
_.do_POST
_.process_exception  # Django's middleware interface (core.logs.RequestLogMiddleware)
_._enqueued  # huey signal handlers, registered by decorator (core.logs.jobs_observe)
_._executing
_._finished
_.DomainCollector  # settings.METRICS_COLLECTORS: a dotted path
_._get_key  # django-ninja's APIKeyHeader hook, overridden in inquiry/api.py (the key from META)
