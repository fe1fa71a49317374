# Declarations of the render core in src/kernels/engine.h.
from libc.stdint cimport int32_t, int64_t, uint64_t

from _node cimport *
from _stream cimport pk_ring, pk_stream

cdef extern from "engine.h" nogil:
    uint64_t PK_ONE_FRAME

    ctypedef struct pk_fader:
        pk_param gain
        pk_param pan
        pk_param level

    ctypedef struct pk_bus:
        int32_t id
        float *buffer
        pk_fader fader

    ctypedef struct pk_delay_line:
        int64_t frames
        int64_t position
        int32_t channels
        float *buffer

    ctypedef struct pk_fade:
        float from_ "from"
        float to
        int64_t start
        int64_t frames

    ctypedef struct pk_plan_node:
        pk_node *node
        const float *sidechain
        pk_fade *fade

    ctypedef struct pk_plan_send:
        pk_bus *to
        pk_param *gain
        pk_delay_line *delay
        pk_fade *fade
        int32_t pre_fader

    ctypedef struct pk_plan_step:
        pk_bus *bus
        pk_delay_line *input_delay
        int32_t node_count
        int32_t send_count
        pk_plan_node *nodes
        pk_plan_send *sends

    ctypedef struct pk_plan_input:
        pk_param *param
        pk_bus *bus
        float depth

    ctypedef struct pk_plan:
        int64_t count
        pk_plan_step *steps
        int64_t input_count
        pk_plan_input *inputs

    enum:
        PK_VOICE_VARYING
        PK_VOICE_INPUT

    ctypedef struct pk_voice:
        int64_t id
        pk_bus *bus
        const float *data
        int64_t first
        int64_t count
        int64_t frames
        int32_t channels
        int32_t flags
        pk_stream *stream
        void *link
        int64_t window_frames
        int64_t start
        int64_t stop
        uint64_t step
        int64_t loop_start
        int64_t loop_end
        pk_param gain
        pk_param pan
        pk_param rate
        int32_t law

    ctypedef enum pk_command_kind:
        PK_CMD_PLAY
        PK_CMD_STOP
        PK_CMD_SET
        PK_CMD_ADD_BUS
        PK_CMD_ADD_NODE
        PK_CMD_REMOVE_NODE
        PK_CMD_PLAN
        PK_CMD_TIMELINE

    enum:
        PK_SET_LAW

    ctypedef struct pk_command:
        int32_t kind
        int32_t what
        int64_t frame
        int64_t ramp
        pk_voice *voice
        pk_bus *bus
        pk_node *node
        pk_plan *plan
        pk_param *param
        const pk_timeline *timeline
        int32_t law

    ctypedef enum pk_return_kind:
        PK_RETURN_COMMAND
        PK_RETURN_VOICE
        PK_RETURN_PLAN
        PK_RETURN_TIMELINE

    ctypedef struct pk_return:
        int64_t kind
        void *item

    enum:
        PK_EVENT_VOICE_START
        PK_EVENT_VOICE_END
        PK_EVENT_PEAK
        PK_EVENT_LATE
        PK_EVENT_INVALID

    ctypedef int (*pk_event_spill)(void *context, pk_ring *events) noexcept nogil

    ctypedef struct pk_engine:
        int32_t channels
        int64_t now
        pk_ring commands
        pk_ring events
        pk_ring returns
        pk_voice *voices
        pk_bus *buses
        pk_bus *master
        pk_plan *plan
        float *bus_scratch
        pk_command **timeline
        uint64_t timeline_size
        float *scratch
        uint64_t lost_events
        uint64_t invalid_samples
        pk_event_spill spill
        void *spill_context
        int64_t starved_voice
        int64_t starved_frames
        const float *input
        int64_t input_frame
        int64_t input_frames
        int32_t input_channels
        int64_t clock_ns
        int64_t clock_frame
        double samplerate

    void pk_engine_render(pk_engine *e, float *out, size_t frames)
    size_t pk_engine_render_offline(pk_engine *e, float *out, size_t frames)
    int64_t pk_engine_now(const pk_engine *e)
    int64_t PK_AT_ONCE
    void pk_bus_init(pk_bus *bus, int32_t id, int32_t channels, double samplerate,
                     float *buffer, const pk_timeline *gain, const pk_timeline *pan,
                     const pk_timeline *level, int64_t meter_interval)
    void pk_voice_params(pk_voice *v, const pk_timeline *gain, const pk_timeline *pan,
                         const pk_timeline *rate, int32_t law)
