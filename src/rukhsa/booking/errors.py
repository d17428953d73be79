"""What the booking services refuse with: a whole sentence the candidate reads."""


class BookingError(Exception):
    """A refusal the candidate reads: a whole sentence in their language."""

    code = "refused"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class SessionFull(BookingError):
    code = "full"


class Busy(BookingError):
    code = "busy"
