"""Events other apps may act on, without the catalogue knowing them.

"session_cancelled": handler(session=..., actor=..., reason=...) — called inside the
transaction that cancelled the session (handlers must not do network I/O; send messages after
commit). The booking app subscribes to tell and re-seat the session's candidates.
"""

from rukhsa.core.hooks import Hooks

board = Hooks("catalogue", ("session_cancelled",))
subscribe = board.subscribe
emit = board.emit
