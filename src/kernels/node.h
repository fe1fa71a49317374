/* The node interface: what an effect (or any processing on a bus) is to the render core, and
 * the parameters it reads.
 *
 * A node class is a table of functions and a list of parameters. One node serves three hosts
 * the same way: a bus of the engine, a one-shot call on an array, and a stream of blocks. The
 * host allocates the node (class->size bytes, zeroed, then its parameters), calls prepare off
 * the audio thread, then process on blocks of at most PK_BLOCK frames, and release when done.
 *
 * The rules of process and reset: they run on the audio thread, without the GIL, and must not
 * allocate, lock, wait or do I/O. process sees `now`, the host's frame of the block's first
 * frame (the engine's frame on a bus; frames since prepare or reset on its own), and must give
 * the same output however the host cuts time into blocks: state is carried frame by frame, and
 * parameters are read per frame (pk_param_run) from timelines that depend on the frame alone.
 */
#ifndef PKAUDIO_NODE_H
#define PKAUDIO_NODE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this interface; a node class built against another is refused. */
#define PK_NODE_ABI 1

#define PK_MAX_CHANNELS 64
/* The most frames in one call of process. */
#define PK_BLOCK 256

/* An event from the core or a node, for the host's event stream. */
typedef struct {
    int32_t kind;
    int32_t channel;           /* PEAK: which */
    int64_t frame;             /* the host's frame it happened at */
    int64_t source;            /* the voice's id; PEAK: the bus's; a node's: the node's id */
    int64_t frames;            /* UNDERRUN: frames missing */
    float peak;                /* PEAK: the peak; REDUCTION: the most gain reduction, dB */
    float rms;                 /* PEAK: the RMS; REDUCTION: the mean gain reduction, dB */
} pk_engine_event;

/* Posted by dynamics nodes: their gain reduction over each report interval. */
#define PK_EVENT_REDUCTION 21

/* ---- Parameters as timelines ---- */

/* How a segment moves from `from` to `to` over frames start .. end - 1. */
enum {
    PK_SEGMENT_HOLD = 0,        /* `from` throughout */
    PK_SEGMENT_LINEAR = 1,      /* from + (to - from) * (t - start) * rate */
    PK_SEGMENT_EXPONENTIAL = 2, /* from * (to / from) ^ ((t - start) * rate) */
    PK_SEGMENT_TARGET = 3,      /* to + (from - to) * exp(-(t - start) * rate) */
    PK_SEGMENT_CURVE = 4        /* the curve's points spread over 1 / rate frames from start,
                                 * linearly between them (cut short where `end` comes first) */
};

typedef struct {
    int64_t start;
    int64_t end;               /* INT64_MAX: runs on */
    int32_t kind;              /* PK_SEGMENT_* */
    int32_t points;            /* CURVE: how many */
    double from;
    double to;
    double rate;               /* TARGET: 1 / time constant; LINEAR, EXPONENTIAL, CURVE: 1 / its
                                * length in frames (a ramp cut short by a later event, `end`
                                * before start + 1 / rate, keeps its slope) */
    const float *curve;        /* CURVE: its points */
} pk_segment;

/* A parameter's whole future: segments in order, each starting where the one before ends,
 * the first at INT64_MIN. Built by the host off the audio thread, never changed after; a new
 * one replaces it whole. */
typedef struct {
    int64_t count;
    pk_segment segments[];
} pk_timeline;

typedef struct {
    const pk_timeline *timeline;
    int64_t cursor;            /* the segment the last frame read fell in */
    float min, max;            /* values are kept within */
    /* Audio added to the timeline's value, `input_stride` floats a frame, scaled by
     * input_depth: a bus's output driving the parameter. NULL: none. */
    const float *input;
    size_t input_stride;
    float input_depth;
    float reserved;
    float *values;             /* PK_BLOCK of them: the last run's, frame by frame */
    /* Where the value was last found to hold: `steady` over frames steady_from ..
     * steady_until - 1 (so that hosts check a held value without a search). A new timeline
     * empties it (steady_until 0 and steady_from 1). */
    int64_t steady_from;
    int64_t steady_until;
    double steady;
} pk_param;

/* The parameter's values for frames t .. t + n - 1 (n <= PK_BLOCK) into param->values.
 * Returns 1 when they are all one value (then only values[0] is written), else 0. */
int pk_param_run(pk_param *param, int64_t t, size_t n);

/* The first of frames t .. t + n - 1 from which the value holds to the last of them (t + n
 * if it does not): where a moving stretch ends, for a host to take the rest the quick way. */
int64_t pk_param_holds_from(pk_param *param, int64_t t, size_t n);

/* Whether frames t .. t + n - 1 all hold one value with no input driving it: then 1, with
 * the value (within min .. max) in double precision in *value; else 0. */
int pk_param_held(pk_param *param, int64_t t, size_t n, double *value);

/* pk_param_held, answered from where the value was last found to hold when it still does. */
static inline int pk_param_steady(pk_param *param, int64_t t, size_t n, double *value)
{
    if (t >= param->steady_from && t + (int64_t)n <= param->steady_until) {
        *value = param->steady;
        return 1;
    }
    return pk_param_held(param, t, n, value);
}

/* The values of frames t .. t + n - 1 in double precision into out (n <= PK_BLOCK), kept
 * within min .. max; an input is not added. */
void pk_param_values(pk_param *param, int64_t t, size_t n, double *out);

/* A setting's value: where its timeline begins. */
float pk_param_setting(const pk_param *param);

/* ---- Nodes ---- */

typedef struct pk_node pk_node;
typedef struct pk_node_context pk_node_context;

enum {
    /* A setting, not automatable: read once by prepare (pk_param_setting), such as a
     * filter's number of stages. */
    PK_PARAM_SETTING = 1
};

typedef struct {
    const char *name;
    float initial;             /* the value before any automation */
    float min, max;
    int32_t flags;             /* PK_PARAM_* */
} pk_param_info;

typedef struct {
    uint32_t abi;              /* PK_NODE_ABI */
    const char *name;
    size_t size;               /* bytes of its node struct, which starts with pk_node */
    int32_t param_count;
    const pk_param_info *params;
    /* Get ready for this rate and channel count: allocate, set latency and tail. Off the audio
     * thread. Returns 0, or a negative error code (PK_NODE_NO_MEMORY, PK_NODE_BAD_SETUP). */
    int (*prepare)(pk_node *node, double samplerate, int32_t channels);
    /* Process `frames` interleaved frames in place; the first is the host's frame `now`. */
    void (*process)(pk_node *node, float *block, size_t frames, int64_t now,
                    pk_node_context *context);
    /* Forget what came before (tails, envelopes, levels), as if just prepared. */
    void (*reset)(pk_node *node);
    /* Free what prepare allocated (prepare may run again after it). NULL: nothing to free. */
    void (*release)(pk_node *node);
} pk_node_class;

enum { PK_NODE_NO_MEMORY = -1, PK_NODE_BAD_SETUP = -2 };

/* Every node starts with this; its own state follows. */
struct pk_node {
    const pk_node_class *kind;
    pk_node *next;             /* the next node in a bus's built-in chain */
    pk_param *params;          /* kind->param_count of them, set by the host */
    int64_t id;                /* the source its events carry, set by the host */
    int64_t latency;           /* frames it delays what passes through; set by prepare */
    int64_t tail;              /* frames of sound after its input stops; set by prepare */
    int64_t report_interval;   /* frames between its reports (events), 0: none; set by host */
    double samplerate;         /* as prepared */
    int32_t channels;
    int32_t reserved;
};

/* What the host gives process besides the block. */
struct pk_node_context {
    /* A sidechain's frames (the node's channel count each), or NULL: the block itself. */
    const float *sidechain;
    /* Post an event to the host's stream. Returns 0 if it was lost (the stream was full). */
    int (*post)(pk_node_context *context, const pk_engine_event *event);
    void *host;
    /* PK_BLOCK * PK_MAX_CHANNELS floats the node may use during process. */
    float *scratch;
};

#ifdef __cplusplus
}
#endif

#endif
