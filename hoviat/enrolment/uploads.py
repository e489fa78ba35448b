"""Uploads of biometric images held in memory only, never spooled to a temporary file.

Django writes an upload of more than FILE_UPLOAD_MAX_MEMORY_SIZE to /tmp in the clear; a
face photo must not lie there. This handler keeps the bytes in memory up to the biometric
size limit and drops anything larger, flagging the request so the page can say why.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import wraps

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from hoviat.enrolment.images import max_upload_bytes

TOO_LARGE_FLAG = "biometric_upload_too_large"


class BiometricMemoryUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()
        self.size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.size += len(raw_data)
        if self.size > max_upload_bytes():
            setattr(self.request, TOO_LARGE_FLAG, True)
            self.buffer = io.BytesIO()
            raise SkipFile()
        self.buffer.write(raw_data)

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


def memory_uploads(view: Callable) -> Callable:
    """Swap in the memory handler before anything reads the body, then check CSRF as usual."""
    protected = csrf_protect(view)

    @csrf_exempt  # only so the middleware does not read the body first; checked just below
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.upload_handlers = [BiometricMemoryUploadHandler(request)]
        return protected(request, *args, **kwargs)

    return wrapper


def upload_too_large(request) -> bool:
    return bool(getattr(request, TOO_LARGE_FLAG, False))
