"""The append-only journal. `record` is the only way to write to it."""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from journal.recording import record
else:

    def record(*args: Any, **kwargs: Any) -> Any:
        # Imported lazily: this package is imported before the app registry is ready.
        from journal.recording import record as _record

        return _record(*args, **kwargs)


__all__ = ["record"]
