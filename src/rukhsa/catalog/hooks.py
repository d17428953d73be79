"""Events other apps may act on, without the catalogue knowing them.

"session_cancelled": handler(session=..., actor=..., reason=...) — called inside the
transaction that cancelled the session (handlers must not do network I/O; send messages after
commit). The booking app subscribes to tell and re-seat the session's candidates.

"seats_added": handler(session=..., actor=...) — called inside the transaction that raised a
session's capacity; the booking app offers the new seats to its waiting list.
"""

from rukhsa.core.hooks import Hooks

board = Hooks("catalogue", ("session_cancelled", "seats_added"))
subscribe = board.subscribe
emit = board.emit
