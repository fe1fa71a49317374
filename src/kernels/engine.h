/* pkaudio's render core: a graph of voices feeding buses feeding the master, steered by
 * commands, reporting events.
 *
 * Python allocates everything (voices, buses, commands, rings) and hands it to the core
 * through the command ring; what the core is done with goes back through the return ring for
 * Python to free. pk_engine_render never allocates, locks or waits: a device callback or
 * Engine.render can call it, without the GIL.
 *
 * Time is the engine's frame count. A voice's place in its sound follows from it, and every
 * timed change (a stop, a new gain, pan or rate) waits in a timeline and lands on its frame:
 * the render is cut into passes at those frames. So the output does not depend on how the
 * time is cut into blocks.
 *
 * A bus sums what feeds it into its buffer, then runs its chain of nodes over the buffer in
 * place (its effects, then its fader and meter) and adds the result into the buses it feeds.
 * The master's result is the engine's output. Which buses feed which, and the effects on each,
 * is the render plan: Python builds a new one for every change to the graph, the core swaps
 * it in whole between two passes and gives the old one back. A node is anything with the
 * pk_node interface (node.h).
 */
#ifndef PKAUDIO_ENGINE_H
#define PKAUDIO_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "fixed_delay.h"
#include "node.h"
#include "stream.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A voice's start: the first frame the core renders after taking it (a device is running,
 * and Python cannot know which frame that is). */
#define PK_AT_ONCE (-1)

/* Positions in a sound are 32.32 fixed point: frame << 32 | fraction. */
#define PK_ONE_FRAME ((uint64_t)1 << 32)

typedef struct pk_engine pk_engine;

/* A bus's gain, pan and mute, each a parameter: gain linear; pan a balance, -1 (left) .. 1
 * (right), on a stereo bus (the far side times cos(|pan| pi / 2)), ignored on others; level
 * the mute's, 1 playing .. 0 muted, multiplying the gain. Their values buffers are the
 * node context's scratch, set by process. */
typedef struct {
    pk_node node;
    int32_t channels;
    int32_t reserved;
    pk_param gain;
    pk_param pan;
    pk_param level;
} pk_fader;

/* Peak and RMS per channel over each `interval` frames (aligned to engine frame 0), posted as
 * PK_EVENT_PEAK events, one per channel, at the frame after the interval. */
typedef struct {
    pk_node node;
    int32_t channels;
    int32_t bus;               /* the id the events carry */
    int64_t interval;          /* 0: no meter events */
    int64_t counted;           /* frames in the interval so far (a new bus's first is short) */
    float peak[PK_MAX_CHANNELS];
    double squares[PK_MAX_CHANNELS];
} pk_meter;

extern const pk_node_class pk_fader_class;
extern const pk_node_class pk_meter_class;

typedef struct pk_bus {
    int32_t id;
    int32_t invalid;           /* its last pass held NaN or infinity (reported once a run) */
    float *buffer;             /* PK_BLOCK frames: what feeds it, then what it puts out */
    pk_node *nodes;            /* its built-in chain: &fader, &meter, then any taps */
    pk_fader fader;
    pk_meter meter;
    struct pk_bus *next;       /* the core's list of every bus */
} pk_bus;

/* How an effect or a send comes in or goes: its level moves from `from` (at frame `start`)
 * to `to` over `frames` frames (0: at `to`). A start of PK_AT_ONCE becomes the frame the core
 * takes the first plan naming it at. Python makes a new one for each change and keeps it
 * alive while plans name it, so that later plans carry a fade on where it is. */
typedef struct {
    float from;
    float to;
    int64_t start;
    int64_t frames;
} pk_fade;

/* An effect in a bus's chain, mixed with what came in by its fade: it fades in when added
 * and out before it is removed, so that edits do not click. Faded out, it no longer runs. */
typedef struct {
    pk_node *node;
    const float *sidechain;    /* a bus's buffer for a sidechain, or NULL */
    pk_fade *fade;
} pk_plan_node;

/* What a bus adds into another: its output after the fader, or (pre_fader) after its
 * effects, times `gain` and its fade, delayed by `delay` (or not, when NULL). */
typedef struct {
    struct pk_bus *to;
    pk_param *gain;
    pk_delay_line *delay;
    pk_fade *fade;
    int32_t pre_fader;
    int32_t reserved;
} pk_plan_send;

/* A bus in processing order: every bus comes after those that feed it (sends, sidechains,
 * parameters it drives), so that their buffers are complete when it reads them. */
typedef struct {
    pk_bus *bus;
    pk_delay_line *input_delay; /* delays the voices playing into it; NULL: none */
    int32_t node_count;
    int32_t send_count;
    pk_plan_node *nodes;
    pk_plan_send *sends;
} pk_plan_step;

/* A bus's output driving a parameter: its first channel times `depth`, added to the
 * parameter's own value frame by frame. */
typedef struct {
    pk_param *param;
    struct pk_bus *bus;
    float depth;
    int32_t reserved;
} pk_plan_input;

typedef struct pk_plan {
    int64_t count;
    pk_plan_step *steps;
    int64_t input_count;
    pk_plan_input *inputs;
} pk_plan;

enum {
    PK_VOICE_PLAYING = 1,      /* the core has posted its start */
    PK_VOICE_VARYING = 2,      /* read by position (a rate, a loop, a stream), not frame */
    PK_VOICE_LOOPED = 4,       /* it has gone round its loop: reads before loop_start wrap */
    PK_VOICE_DONE = 8,         /* ended and returned: commands naming it are dropped */
    PK_VOICE_FAILED = 16,      /* its stream failed: an error to report where it ends */
    PK_VOICE_INPUT = 32        /* it plays the engine's input (e->input), as it comes */
};

typedef struct pk_voice {
    int64_t id;
    pk_bus *bus;
    /* What it plays: frames first .. first + count - 1 of its sound, interleaved. */
    const float *data;
    int64_t first;
    int64_t count;
    int64_t frames;            /* the sound's length (a stream's: INT64_MAX until it ends) */
    int32_t channels;
    int32_t flags;             /* PK_VOICE_* */
    /* A disk stream to play, or NULL; `data` is then a window of window_frames frames. */
    pk_stream *stream;
    /* A second device's input to play as it comes (at the engine's clock), or NULL. */
    struct pk_link_s *link;
    int64_t window_frames;
    int64_t start;             /* engine frame of the sound's first frame; PK_AT_ONCE: the
                                * frame the core takes it at */
    int64_t stop;              /* engine frame it stops at (INT64_MAX: plays to its end) */
    /* Sound frames per engine frame: the `rate` parameter, as 32.32 steps. While it holds,
     * `step` (from the rate's double value, step_rate); while it moves, this pass's steps,
     * one a frame from engine frame steps_from, the largest steps_top. */
    pk_param rate;
    uint64_t step;
    double step_rate;
    const uint64_t *steps;
    int64_t steps_from;
    uint64_t steps_top;
    int64_t loop_start;        /* loop_end > loop_start: the region that repeats */
    int64_t loop_end;
    uint64_t position;         /* 32.32: where the next frame reads, when varying */
    /* Stopping with a release: from release_level at release_start down to 0 at `stop`. */
    int64_t release_start;
    int64_t release_frames;    /* 0: no release */
    float release_level;
    float release_slope;       /* per frame */
    struct pk_command *commands; /* timed commands naming it, in the timeline */
    /* Its gain (linear) and pan (-1 .. 1), placed in the output's channels by `law`
     * (PK_LAW_*). Their values buffers are the engine's bus_scratch (voices render one at a
     * time, before the buses' work), set as they render. */
    pk_param gain;
    pk_param pan;
    int32_t law;
    int32_t reserved;
    /* The channel gains of the last steady gain and pan under the law, kept while they hold
     * (their trigonometry once, not every pass); held_law < 0: none yet. */
    double held_gain;
    double held_pan;
    int32_t held_law;
    int32_t reserved2;
    float held_gains[PK_MAX_CHANNELS];
    struct pk_voice *next;     /* the core's list */
} pk_voice;

typedef enum {
    PK_CMD_PLAY = 1,           /* start `voice` (its own start frame says when) */
    PK_CMD_STOP = 2,           /* at `frame`: fade `voice` out over `ramp` frames, and end */
    PK_CMD_SET = 3,            /* at `frame`, over `ramp` frames: move what `what` says */
    PK_CMD_ADD_BUS = 4,        /* `bus` joins the graph */
    PK_CMD_DEAD = 5,           /* a timed command whose voice ended first */
    PK_CMD_ADD_NODE = 6,       /* `node` goes at the end of `bus`'s built-in chain */
    PK_CMD_REMOVE_NODE = 7,    /* `node` leaves `bus`'s built-in chain */
    PK_CMD_PLAN = 8,           /* `plan` replaces the render plan; the old one goes back */
    PK_CMD_TIMELINE = 9        /* `timeline` replaces `param`'s; the old one goes back */
} pk_command_kind;

enum {
    PK_SET_LAW = 1             /* `voice`'s pan law to `law` (at once: `ramp` is 0) */
};

/* How a voice's gain and pan become its gains per output channel. */
enum {
    PK_LAW_NONE = 0,           /* unpanned: every channel gets the gain */
    PK_LAW_MONO = 1,           /* a mono source on a stereo engine: constant power,
                                * gain * cos, sin of (pan + 1) pi / 4 (dsp.pan's law) */
    PK_LAW_BALANCE = 2         /* stereo: the far side times cos(|pan| pi / 2) */
};

typedef struct pk_command {
    int32_t kind;
    int32_t what;              /* PK_CMD_SET: PK_SET_* */
    int64_t frame;             /* when a timed command lands */
    int64_t ramp;              /* frames the change takes */
    pk_voice *voice;
    pk_bus *bus;
    pk_node *node;
    pk_plan *plan;
    pk_param *param;
    const pk_timeline *timeline;
    int32_t law;               /* PK_SET_LAW: PK_LAW_* */
    int32_t reserved;
    uint64_t order;            /* the core's count when it took it: ties in the timeline */
    struct pk_command *voice_next; /* the voice's other timed commands */
} pk_command;

/* What goes back to Python to free. */
typedef enum {
    PK_RETURN_COMMAND = 1,
    PK_RETURN_VOICE = 2,
    PK_RETURN_PLAN = 3,
    PK_RETURN_TIMELINE = 4
} pk_return_kind;

typedef struct {
    int64_t kind;
    void *item;
} pk_return;

/* Events from the core: stream.h's PK_EVENT_UNDERRUN and PK_EVENT_ERROR (for a voice's
 * stream), and these. LATE: a voice taken after its start frame starts then, `frames` late.
 * INVALID: a bus's audio held NaN or infinity (a pass of them begins a run; `frames`: the
 * samples set to 0 in that pass); the rest of the mix plays on. */
enum {
    PK_EVENT_VOICE_START = 16,
    PK_EVENT_VOICE_END = 17,
    PK_EVENT_PEAK = 18,
    PK_EVENT_LATE = 19,
    PK_EVENT_INVALID = 20
};

/* Offline, where the event ring would overflow: drain it somewhere larger (off the audio
 * thread, so it may allocate). Returns nonzero if it made room. */
typedef int (*pk_event_spill)(void *context, pk_ring *events);

struct pk_engine {
    int32_t channels;
    int32_t reserved;
    int64_t now;               /* frames rendered so far */
    pk_ring commands;          /* pk_command *: Python -> core */
    pk_ring events;            /* pk_engine_event: core -> Python */
    pk_ring returns;           /* pk_return: core -> Python, to free */
    pk_voice *voices;          /* the core's list */
    pk_bus *buses;             /* every bus, to clear before each pass */
    pk_bus *master;
    pk_plan *plan;             /* the buses in processing order, with effects and sends */
    float *bus_scratch;        /* 2 * PK_BLOCK * PK_MAX_CHANNELS floats, for the plan's work */
    pk_command **timeline;     /* a heap of timed commands, earliest first: room for as
                                * many as Python can have handed over */
    uint64_t timeline_size;
    uint64_t taken;            /* timed commands taken, ever */
    float *scratch;            /* PK_BLOCK * PK_MAX_CHANNELS floats, for one voice at a time */
    uint64_t steps[PK_BLOCK];  /* a voice's steps while its rate moves, for one pass */
    /* Input for PK_VOICE_INPUT voices, set by the caller of pk_engine_render around a call:
     * frames input_frame .. input_frame + input_frames, input_channels each; or NULL. */
    const float *input;
    int64_t input_frame;
    int64_t input_frames;
    int32_t input_channels;
    int32_t reserved2;
    /* The clock of the device rendering it, set by its callback: engine frame clock_frame
     * plays at clock_ns (CLOCK_MONOTONIC), frames going by at `samplerate` a second. 0 when
     * no device runs it. */
    int64_t clock_ns;
    int64_t clock_frame;
    double samplerate;
    uint64_t lost_events;      /* events that found the event ring full */
    uint64_t invalid_samples;  /* NaN or infinite samples set to 0 on buses */
    /* Offline only (NULL on a device): where events go when the ring is full. */
    pk_event_spill spill;
    void *spill_context;
    /* pk_engine_render_offline: the voice whose stream has not delivered what the next pass
     * reads, and how many frames it needs in its buffer (0: none is waiting). */
    int64_t starved_voice;
    int64_t starved_frames;
};

/* Render `frames` frames (interleaved, `channels` each) into out, starting at e->now. A
 * stream that has not delivered in time plays silence (reported as an underrun). */
void pk_engine_render(pk_engine *e, float *out, size_t frames);

/* The same, offline: rather than play a stream's missing frames as silence, stop before the
 * pass that would read them and say which voice waits (starved_voice, starved_frames).
 * Returns the frames rendered; the caller waits for the stream and renders the rest, and the
 * output is the same as if it had not stopped. */
size_t pk_engine_render_offline(pk_engine *e, float *out, size_t frames);

/* e->now, from another thread than the one rendering. */
int64_t pk_engine_now(const pk_engine *e);

/* Set up a bus (buffer: PK_BLOCK * channels floats) with its fader's gain, pan and level
 * following these timelines and its meter posting every `meter_interval` frames (0: never).
 * Off the audio thread. */
void pk_bus_init(pk_bus *bus, int32_t id, int32_t channels, double samplerate, float *buffer,
                 const pk_timeline *gain, const pk_timeline *pan, const pk_timeline *level,
                 int64_t meter_interval);

/* Set up a voice's gain and pan to follow these timelines, placed by `law` (PK_LAW_*). */
void pk_voice_params(pk_voice *v, const pk_timeline *gain, const pk_timeline *pan,
                     const pk_timeline *rate, int32_t law);

#ifdef __cplusplus
}
#endif

#endif
