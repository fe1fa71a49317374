# Declarations of the rings and disk-stream consumer in src/kernels/stream.h.
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t

cdef extern from "stream.h" nogil:
    ctypedef struct pk_ring:
        char *data
        uint64_t capacity
        size_t item_size
        uint64_t written
        uint64_t taken

    size_t pk_ring_write(pk_ring *r, const void *items, size_t n)
    size_t pk_ring_read(pk_ring *r, void *items, size_t n)
    uint64_t pk_ring_readable(const pk_ring *r)
    uint64_t pk_counter(const uint64_t *count)
    uint64_t pk_ring_taken(const pk_ring *r)
    uint64_t pk_ring_writable(const pk_ring *r)

    ctypedef enum pk_event_kind:
        PK_EVENT_UNDERRUN
        PK_EVENT_END
        PK_EVENT_ERROR

    ctypedef struct pk_event:
        int32_t kind
        int64_t frame
        int64_t value

    uint64_t PK_STREAM_NO_END
    enum:
        PK_STREAM_FADE

    ctypedef struct pk_stream:
        pk_ring frames
        pk_ring events
        size_t channels
        uint64_t discard_until
        uint64_t end_at
        uint64_t end_kind
        float *fade
        uint32_t fade_played
        uint64_t seek_seen
        int32_t underrunning
        int32_t ended
        uint64_t played
        uint64_t underrun_frames
        uint64_t underruns
        uint64_t lost_events

    size_t pk_stream_read(pk_stream *s, float *out, size_t frames)
    void pk_stream_restart(pk_stream *s, const float *frames, size_t n)
    void pk_stream_end(pk_stream *s, pk_event_kind kind)
