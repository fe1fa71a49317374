# Declarations of the node interface in src/kernels/node.h.
from libc.stdint cimport int32_t, int64_t, uint32_t


cdef extern from "node.h" nogil:
    enum:
        PK_NODE_ABI
        PK_MAX_CHANNELS
        PK_BLOCK
        PK_EVENT_REDUCTION
        PK_NODE_NO_MEMORY
        PK_NODE_BAD_SETUP
        PK_PARAM_SETTING

    ctypedef struct pk_engine_event:
        int32_t kind
        int32_t channel
        int64_t frame
        int64_t source
        int64_t frames
        float peak
        float rms

    enum:
        PK_SEGMENT_HOLD
        PK_SEGMENT_LINEAR
        PK_SEGMENT_EXPONENTIAL
        PK_SEGMENT_TARGET
        PK_SEGMENT_CURVE

    ctypedef struct pk_segment:
        int64_t start
        int64_t end
        int32_t kind
        int32_t points
        double from_ "from"
        double to
        double rate
        const float *curve

    ctypedef struct pk_timeline:
        int64_t count
        pk_segment segments[1]

    ctypedef struct pk_param:
        const pk_timeline *timeline
        int64_t cursor
        float min
        float max
        const float *input
        size_t input_stride
        float input_depth
        float *values
        int64_t steady_from
        int64_t steady_until

    int pk_param_run(pk_param *param, int64_t t, size_t n)

    ctypedef struct pk_node
    ctypedef struct pk_node_context

    ctypedef struct pk_param_info:
        const char *name
        float initial
        float min
        float max
        int32_t flags

    ctypedef struct pk_node_class:
        uint32_t abi
        const char *name
        size_t size
        int32_t param_count
        const pk_param_info *params
        int (*prepare)(pk_node *node, double samplerate, int32_t channels) noexcept nogil
        void (*process)(pk_node *node, float *block, size_t frames, int64_t now,
                        pk_node_context *context) noexcept nogil
        void (*reset)(pk_node *node) noexcept nogil
        void (*release)(pk_node *node) noexcept nogil

    ctypedef struct pk_node:
        const pk_node_class *kind
        pk_node *next
        pk_param *params
        int64_t id
        int64_t latency
        int64_t tail
        int64_t report_interval
        double samplerate
        int32_t channels

    ctypedef struct pk_node_context:
        const float *sidechain
        int (*post)(pk_node_context *context, const pk_engine_event *event) noexcept nogil
        void *host
        float *scratch
