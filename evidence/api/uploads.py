"""Request-parsing limits for evidence uploads: an oversized file is dropped while it streams in."""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, SkipFile

TOO_LARGE_FLAG = "evidence_upload_too_large"
# Room for the multipart framing and the small text fields next to the file.
MULTIPART_OVERHEAD_BYTES = 1024 * 1024


class UploadLimitHandler(FileUploadHandler):
    """First in the handler chain: counts each file's bytes and skips the file once it passes the limit.

    Django's own handlers then keep at most FILE_UPLOAD_MAX_MEMORY_SIZE in memory and spool the
    rest to a temporary file; this one makes sure that temporary file never grows past the limit.
    The view turns the flag it leaves on the request into a 413.
    """

    def __init__(self, request, *, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.max_bytes:
            setattr(self.request, TOO_LARGE_FLAG, True)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def content_length(request) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) or None
    except ValueError:
        return None
