# Declarations of the render core in src/kernels/engine.h.
from libc.stdint cimport int32_t, int64_t, uint64_t

from _stream cimport pk_event, pk_ring, pk_stream

cdef extern from "engine.h" nogil:
    enum:
        PK_MAX_CHANNELS
    uint64_t PK_ONE_FRAME

    ctypedef struct pk_voice:
        pk_stream *stream
        float *scratch
        int64_t scratch_frames
        const float *data
        int64_t frames
        int32_t channels
        int32_t playing
        int64_t id
        int64_t start
        int64_t stop
        uint64_t step
        int64_t loop_start
        int64_t loop_end
        uint64_t position
        float gains[PK_MAX_CHANNELS]
        pk_voice *next

    ctypedef enum pk_command_kind:
        PK_CMD_PLAY
        PK_CMD_STOP

    ctypedef struct pk_command:
        int32_t kind
        int64_t frame
        pk_voice *voice

    ctypedef enum pk_engine_event_kind:
        PK_EVENT_VOICE_START
        PK_EVENT_VOICE_END

    ctypedef struct pk_engine:
        int32_t channels
        int64_t now
        pk_ring commands
        pk_ring events
        pk_ring returns
        pk_voice *voices
        unsigned long long lost_events

    void pk_engine_render(pk_engine *e, float *out, size_t frames)
