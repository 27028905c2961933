"""The one shape of a refused input: which field, and a Chinese message saying why."""


class FieldError(ValueError):
    """Input a service refuses; `field` names the input at fault ("" for the request as a whole)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message
