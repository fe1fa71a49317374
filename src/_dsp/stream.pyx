# cython: language_level=3
"""The buffer between a disk stream's reader thread and its consumer (the render core, or
Python): a lock-free ring of float32 frames, with underrun, end and error events."""
cimport numpy as cnp
from libc.string cimport memset

from _arrays cimport Audio, audio_arg, describe
from _kernels cimport PK_F32
from _stream cimport *
from libc.stdint cimport uint64_t

cnp.import_array()

# Events the buffer keeps until `events` collects them; more are counted as lost.
cdef enum:
    EVENT_CAPACITY = 256

EVENT_KINDS = {PK_EVENT_UNDERRUN: "underrun", PK_EVENT_END: "end", PK_EVENT_ERROR: "error"}


cdef class StreamBuffer:
    """Frames from one producer thread to one consumer, neither of which ever waits.

    Parameters
    ----------
    channels : int
        Samples per frame.
    frames : int
        Capacity, rounded up to a power of two.
    """
    cdef pk_stream stream
    cdef object frame_store, event_store, fade_store   # arrays whose memory the stream uses

    def __init__(self, Py_ssize_t channels, Py_ssize_t frames):
        if channels < 1:
            raise ValueError(f"StreamBuffer channels: expected at least 1, got {channels}")
        if frames < 1:
            raise ValueError(f"StreamBuffer frames: expected at least 1, got {frames}")
        cdef uint64_t capacity = 1
        while capacity < <uint64_t>frames:
            capacity *= 2
        memset(&self.stream, 0, sizeof(pk_stream))
        self.frame_store = cnp.PyArray_ZEROS(2, [<cnp.npy_intp>capacity, channels],
                                             cnp.NPY_FLOAT32, 0)
        self.event_store = cnp.PyArray_ZEROS(1, [EVENT_CAPACITY * sizeof(pk_event)],
                                             cnp.NPY_UINT8, 0)
        self.stream.channels = channels
        self.stream.frames.data = <char *>cnp.PyArray_DATA(self.frame_store)
        self.stream.frames.capacity = capacity
        self.stream.frames.item_size = channels * sizeof(float)
        self.stream.events.data = <char *>cnp.PyArray_DATA(self.event_store)
        self.stream.events.capacity = EVENT_CAPACITY
        self.stream.events.item_size = sizeof(pk_event)
        self.stream.end_at = PK_STREAM_NO_END
        self.fade_store = cnp.PyArray_ZEROS(2, [PK_STREAM_FADE + 1, channels], cnp.NPY_FLOAT32,
                                            0)
        self.stream.fade = <float *>cnp.PyArray_DATA(self.fade_store)
        self.stream.fade_played = PK_STREAM_FADE  # no fade under way

    @property
    def channels(self):
        return self.stream.channels

    @property
    def address(self):
        """Where the C stream is, for the engine's core (which reads it as a voice)."""
        return <size_t>&self.stream

    @property
    def capacity(self):
        """Frames the buffer holds."""
        return self.stream.frames.capacity

    # ---- producer side (the reader thread) ----

    def writable(self):
        """Frames that fit now."""
        return pk_ring_writable(&self.stream.frames)

    cdef int frames_arg(self, object x, str func, Audio *a) except -1:
        audio_arg(x, func, "x", 1 << PK_F32, a)
        if a.channels != <Py_ssize_t>self.stream.channels or (cnp.PyArray_NDIM(x) == 1
                                                             and self.stream.channels != 1):
            raise ValueError(f"{func}() x: expected shape (frames, {self.stream.channels}), "
                             f"got {describe(x)}")
        return 0

    def write(self, x):
        """Copy as many of x's frames (float32, (frames, channels)) as fit; return how many."""
        cdef Audio a
        self.frames_arg(x, "StreamBuffer.write", &a)
        cdef size_t n
        with nogil:
            n = pk_ring_write(&self.stream.frames, a.data, a.frames)
        return n

    def restart(self, x):
        """A seek: x's frames (which must fit in `writable`), and those written after them,
        replace the frames not yet played."""
        cdef Audio a
        self.frames_arg(x, "StreamBuffer.restart", &a)
        if <uint64_t>a.frames > pk_ring_writable(&self.stream.frames):
            raise ValueError(f"StreamBuffer.restart() x: {a.frames} frames, room for "
                             f"{pk_ring_writable(&self.stream.frames)}")
        pk_stream_restart(&self.stream, <float *>a.data, a.frames)

    def end(self, bint error=False):
        """No frames follow those written; the consumer reports "end" (or "error") there."""
        pk_stream_end(&self.stream, PK_EVENT_ERROR if error else PK_EVENT_END)

    # ---- consumer side ----

    def read(self, Py_ssize_t frames, *, out=None):
        """The next `frames` frames, (frames, channels) float32: what has arrived, then
        silence (counted as underrun, or after the end). Never waits."""
        if frames < 0:
            raise ValueError(f"StreamBuffer.read() frames: expected >= 0, got {frames}")
        cdef cnp.npy_intp dims[2]
        dims[0] = frames
        dims[1] = self.stream.channels
        if out is None:
            out = cnp.PyArray_EMPTY(2, dims, cnp.NPY_FLOAT32, 0)
        elif not (cnp.PyArray_Check(out) and cnp.PyArray_TYPE(out) == cnp.NPY_FLOAT32
                  and cnp.PyArray_NDIM(out) == 2 and cnp.PyArray_DIM(out, 0) == frames
                  and cnp.PyArray_DIM(out, 1) == dims[1]
                  and cnp.PyArray_IS_C_CONTIGUOUS(out) and cnp.PyArray_ISWRITEABLE(out)):
            raise ValueError(f"StreamBuffer.read() out: expected a writeable C-contiguous "
                             f"float32 array shaped ({frames}, {dims[1]}), got {describe(out)}")
        cdef float *dst = <float *>cnp.PyArray_DATA(out)
        with nogil:
            pk_stream_read(&self.stream, dst, frames)
        return out

    def readable(self):
        """Frames that have arrived and not been read."""
        return pk_ring_readable(&self.stream.frames)

    def events(self):
        """The events since the last call, oldest first: (kind, frame, value) tuples, kind
        "underrun" (value: frames missing in that block), "end" or "error"."""
        cdef pk_event e
        found = []
        while pk_ring_read(&self.stream.events, &e, 1):
            found.append((EVENT_KINDS[e.kind], e.frame, e.value))
        return found

    def stats(self):
        """Counters of the consumer (frames played, underrun frames and runs, lost events),
        whether the producer has written its last frame ("complete"), and whether a seek has
        been written that the consumer has not switched to yet ("pending_seek")."""
        return {"played": self.stream.played, "underrun_frames": self.stream.underrun_frames,
                "underruns": self.stream.underruns, "lost_events": self.stream.lost_events,
                "complete": self.stream.end_at != PK_STREAM_NO_END,
                "pending_seek": self.stream.discard_until != self.stream.seek_seen}
