"""Running an iterator in a background thread, a bounded number of items ahead.

The reading side of a pipeline: the thread reads and decompresses (file reads and zlib,
bz2 and zstd decompression release the GIL) while the consumer works on earlier items.
Errors raised by the iterator reach the consumer, at the item where they happened;
closing the consumer's side stops the thread.
"""

import queue
import threading

_POLL_SECONDS = 0.1  # how often a blocked side checks whether the other has stopped
_JOIN_SECONDS = 5.0  # longest wait on close for a thread blocked in a read (stdin)


class _End:
    """Marks the end of the items, with the error that ended them, if any."""

    def __init__(self, error=None):
        self.error = error


class Prefetched:
    """Iterate ``items`` in a daemon thread, at most ``depth`` items ahead."""

    def __init__(self, items, depth):
        self._queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, args=(items,), daemon=True,
                                        name="w2vns-reader")
        self._thread.start()

    def _put(self, item):
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self, items):
        try:
            for item in items:
                if not self._put(item):
                    break
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(_End(exc))
            return
        finally:
            close = getattr(items, "close", None)
            if close is not None and self._stop.is_set():
                close()
        self._put(_End())

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            try:
                item = self._queue.get(timeout=_POLL_SECONDS)
                break
            except queue.Empty:
                if not self._thread.is_alive() and self._queue.empty():
                    raise StopIteration from None
        if isinstance(item, _End):
            self._stop.set()
            if item.error is not None:
                raise item.error
            raise StopIteration
        return item

    def close(self):
        """Stop the thread (it ends after its current item) and wait for it."""
        self._stop.set()
        self._thread.join(_JOIN_SECONDS)
