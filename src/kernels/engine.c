/* The render core (declared and documented in engine.h). */
#include <float.h>
#include <math.h>
#include <string.h>

#include "atomics.h"
#include "engine.h"
#include "link.h"
#include "simd.h"

/* Whether n events fit in the ring: offline, after spilling it into a larger store. */
static int event_room(pk_engine *e, size_t n)
{
    if (pk_ring_writable(&e->events) >= n)
        return 1;
    return e->spill && e->spill(e->spill_context, &e->events) &&
           pk_ring_writable(&e->events) >= n;
}

/* Post an event; returns 0 if it was lost (the ring full), counted. */
static int post(pk_engine *e, const pk_engine_event *event)
{
    if (!event_room(e, 1)) {
        pk_count(&e->lost_events, 1);
        return 0;
    }
    pk_ring_write(&e->events, event, 1);
    return 1;
}

static void post_voice(pk_engine *e, int32_t kind, int64_t frame, const pk_voice *v,
                       int64_t frames)
{
    const pk_engine_event event = {kind, 0, frame, v->id, frames, 0.0f, 0.0f};
    post(e, &event);
}

/* Hand something back to Python to free. Python never has more out than the ring holds. */
static void give_back(pk_engine *e, pk_return_kind kind, void *item)
{
    const pk_return r = {kind, item};
    pk_ring_write(&e->returns, &r, 1);
}

/* ---- Gains from gain and pan ---- */

/* A voice's gain per output channel for gain and pan by its law: as channel_gains() in
 * engine.py has them, bit for bit. */
/* What each channel's gain is the voice's gain times, by its law at this pan (as
 * channel_gains() in engine.py has them). */
PK_INLINE void law_units(int32_t law, double pan, size_t channels, double *unit)
{
    for (size_t c = 0; c < channels; c++)
        unit[c] = 1.0;
    if (law == PK_LAW_MONO) {
        const double theta = (pan + 1.0) * M_PI / 4.0;
        unit[0] = cos(theta);
        unit[1] = sin(theta);
    } else if (law == PK_LAW_BALANCE && channels == 2) { /* the far side falls */
        unit[pan < 0 ? 1 : 0] = cos(fabs(pan) * M_PI / 2);
    }
}

PK_INLINE void law_gains(int32_t law, double gain, double pan, size_t channels, float *g)
{
    double unit[PK_MAX_CHANNELS];
    law_units(law, pan, channels, unit);
    for (size_t c = 0; c < channels; c++)
        g[c] = (float)(gain * unit[c]);
}

void pk_voice_params(pk_voice *v, const pk_timeline *gain, const pk_timeline *pan,
                     const pk_timeline *rate, int32_t law)
{
    const pk_param rate_param = {.timeline = rate, .min = 1.0f / 256, .max = 256.0f};
    v->rate = rate_param;
    v->step_rate = -1.0; /* (none yet) */
    v->held_law = -1;
    const pk_param gain_param = {.timeline = gain, .min = -FLT_MAX, .max = FLT_MAX};
    v->gain = gain_param;
    const pk_param pan_param = {.timeline = pan, .min = -1.0f, .max = 1.0f};
    v->pan = pan_param;
    v->law = law;
}

/* ---- The built-in nodes: a bus's fader and meter ---- */

static int fader_prepare(pk_node *node, double samplerate, int32_t channels)
{
    (void)samplerate;
    ((pk_fader *)node)->channels = channels;
    return 0;
}

static void fader_process(pk_node *node, float *block, size_t frames, int64_t now,
                          pk_node_context *context)
{
    pk_fader *fader = (pk_fader *)node;
    const size_t channels = (size_t)fader->channels;
    (void)context;
    double gain, pan, level;
    float g[PK_MAX_CHANNELS];
    if (pk_param_steady(&fader->gain, now, frames, &gain) &&
        pk_param_steady(&fader->pan, now, frames, &pan) &&
        pk_param_steady(&fader->level, now, frames, &level)) { /* the usual case: steady */
        law_gains(PK_LAW_BALANCE, level == 1.0 ? gain : gain * level, pan, channels, g);
        int unity = 1;
        for (size_t c = 0; c < channels; c++)
            unity &= g[c] == 1.0f;
        if (unity)
            return;
        for (size_t f = 0; f < frames; f++)
            for (size_t c = 0; c < channels; c++)
                block[f * channels + c] *= g[c];
        return;
    }
    double gains[PK_BLOCK], pans[PK_BLOCK], levels[PK_BLOCK];
    pk_param_values(&fader->gain, now, frames, gains);
    pk_param_values(&fader->pan, now, frames, pans);
    pk_param_values(&fader->level, now, frames, levels);
    for (size_t f = 0; f < frames; f++) { /* each frame's gains as a held pass has them */
        law_gains(PK_LAW_BALANCE, levels[f] == 1.0 ? gains[f] : gains[f] * levels[f], pans[f],
                  channels, g);
        for (size_t c = 0; c < channels; c++)
            block[f * channels + c] *= g[c];
    }
}

static void fader_reset(pk_node *node)
{
    (void)node; /* its gains are settings, not history */
}

static int meter_prepare(pk_node *node, double samplerate, int32_t channels)
{
    (void)samplerate;
    pk_meter *meter = (pk_meter *)node;
    meter->channels = channels;
    meter->node.kind->reset(node);
    return 0;
}

static void meter_reset(pk_node *node)
{
    pk_meter *meter = (pk_meter *)node;
    memset(meter->peak, 0, sizeof meter->peak);
    memset(meter->squares, 0, sizeof meter->squares);
    meter->counted = 0;
}

/* Post the interval ending at frame `frame`: all of its channels' events, or none. */
static void meter_post(pk_meter *meter, int64_t frame, pk_engine *e)
{
    const size_t channels = (size_t)meter->channels;
    if (!event_room(e, channels)) {
        pk_count(&e->lost_events, channels);
    } else {
        for (size_t c = 0; c < channels; c++) {
            const float rms = (float)sqrt(meter->squares[c] / (double)meter->counted);
            const pk_engine_event event = {PK_EVENT_PEAK, (int32_t)c, frame, meter->bus, 0,
                                           meter->peak[c], rms};
            post(e, &event);
        }
    }
    meter_reset(&meter->node);
}

static void meter_process(pk_node *node, float *block, size_t frames, int64_t now,
                          pk_node_context *context)
{
    pk_engine *e = context->host;
    pk_meter *meter = (pk_meter *)node;
    if (meter->interval == 0)
        return;
    const size_t channels = (size_t)meter->channels;
    for (size_t f = 0; f < frames;) {
        const int64_t into = (now + (int64_t)f) % meter->interval;
        size_t n = frames - f;
        if ((int64_t)n > meter->interval - into)
            n = (size_t)(meter->interval - into);
        for (size_t c = 0; c < channels; c++) {
            float peak = meter->peak[c];
            double squares = meter->squares[c]; /* frame by frame: however time is cut */
            for (size_t k = f; k < f + n; k++) {
                const float x = block[k * channels + c];
                peak = fabsf(x) > peak || x != x ? fabsf(x) : peak; /* NaN stays */
                squares += (double)x * (double)x;
            }
            meter->peak[c] = peak;
            meter->squares[c] = squares;
        }
        meter->counted += (int64_t)n;
        f += n;
        if (into + (int64_t)n == meter->interval)
            meter_post(meter, now + (int64_t)f, e);
    }
}

const pk_node_class pk_fader_class = {PK_NODE_ABI,   "fader",       sizeof(pk_fader), 0, NULL,
                                      fader_prepare, fader_process, fader_reset,      NULL};
const pk_node_class pk_meter_class = {PK_NODE_ABI,   "meter",       sizeof(pk_meter), 0, NULL,
                                      meter_prepare, meter_process, meter_reset,      NULL};

void pk_bus_init(pk_bus *bus, int32_t id, int32_t channels, double samplerate, float *buffer,
                 const pk_timeline *gain, const pk_timeline *pan, const pk_timeline *level,
                 int64_t meter_interval)
{
    memset(bus, 0, sizeof *bus);
    bus->id = id;
    bus->buffer = buffer;
    bus->fader.node.kind = &pk_fader_class;
    pk_fader_class.prepare(&bus->fader.node, samplerate, channels);
    const pk_param gain_param = {.timeline = gain, .min = -FLT_MAX, .max = FLT_MAX};
    bus->fader.gain = gain_param;
    const pk_param pan_param = {.timeline = pan, .min = -1.0f, .max = 1.0f};
    bus->fader.pan = pan_param;
    const pk_param level_param = {.timeline = level, .min = 0.0f, .max = 1.0f};
    bus->fader.level = level_param;
    bus->meter.node.kind = &pk_meter_class;
    bus->meter.bus = id;
    bus->meter.interval = meter_interval;
    pk_meter_class.prepare(&bus->meter.node, samplerate, channels);
    bus->nodes = &bus->fader.node;
    bus->fader.node.next = &bus->meter.node;
}

/* ---- Commands and the timeline ---- */

/* Sound frames per engine frame at frame t. */
PK_INLINE uint64_t step_at(const pk_voice *v, int64_t t)
{
    return v->steps ? v->steps[t - v->steps_from] : v->step;
}

/* The largest step of the frames `rate_run` was last run for. */
PK_INLINE uint64_t top_step(const pk_voice *v)
{
    return v->steps ? v->steps_top : v->step;
}

/* A voice's steps for frames t .. t + n - 1 (n <= PK_BLOCK), from its rate parameter: while
 * it holds, `step` from its double value (exact, as a rate given to play); while it moves,
 * one a frame in e->steps. */
static void rate_run(pk_engine *e, pk_voice *v, int64_t t, size_t n)
{
    double held;
    v->steps = NULL;
    if (pk_param_steady(&v->rate, t, n, &held)) {
        if (held != v->step_rate) {
            v->step = (uint64_t)(held * (double)PK_ONE_FRAME + 0.5);
            v->step_rate = held;
        }
        return;
    }
    double rates[PK_BLOCK];
    pk_param_values(&v->rate, t, n, rates);
    uint64_t top = 0;
    for (size_t k = 0; k < n; k++) { /* each frame's step as a held pass has it */
        const uint64_t step = (uint64_t)(int64_t)( /* (steps < 2^40: int64 converts fast) */
            rates[k] * (double)PK_ONE_FRAME + 0.5);
        e->steps[k] = step;
        top = step > top ? step : top;
    }
    v->steps = e->steps;
    v->steps_from = t;
    v->steps_top = top;
}

/* From reading by frame to reading by position, at frame t (past its end, it ends at once). */
static void make_varying(pk_voice *v, int64_t t)
{
    if (v->flags & PK_VOICE_VARYING)
        return;
    const int64_t into = t - v->start;
    v->position = into > 0 ? (uint64_t)(into < v->frames ? into : v->frames) << 32 : 0;
    v->flags |= PK_VOICE_VARYING;
}

/* The timeline is a binary heap of timed commands, earliest first; ties in the order the
 * core took them. */
PK_INLINE int earlier(const pk_command *a, const pk_command *b)
{
    return a->frame < b->frame || (a->frame == b->frame && a->order < b->order);
}

static void timeline_push(pk_engine *e, pk_command *c)
{
    size_t i = e->timeline_size++; /* Python holds no more commands than the heap has room */
    while (i > 0 && earlier(c, e->timeline[(i - 1) / 2])) {
        e->timeline[i] = e->timeline[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    e->timeline[i] = c;
}

static pk_command *timeline_pop(pk_engine *e)
{
    pk_command *first = e->timeline[0], *last = e->timeline[--e->timeline_size];
    const size_t n = e->timeline_size;
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && earlier(e->timeline[child + 1], e->timeline[child]))
            child++;
        if (!earlier(e->timeline[child], last))
            break;
        e->timeline[i] = e->timeline[child];
        i = child;
    }
    if (n > 0)
        e->timeline[i] = last;
    return first;
}

/* A voice that has ended leaves its timed commands in the timeline, dead: they no longer
 * name it (Python may free it), and go back to Python when their frame comes. */
static void kill_commands(pk_voice *v)
{
    for (pk_command *c = v->commands; c; c = c->voice_next) {
        c->kind = PK_CMD_DEAD;
        c->voice = NULL;
    }
    v->commands = NULL;
}

static void forget_command(pk_voice *v, const pk_command *c)
{
    pk_command **link = &v->commands;
    while (*link != c)
        link = &(*link)->voice_next;
    *link = c->voice_next;
}

/* Switch to a new render plan, and give the old one back. */
static void swap_plan(pk_engine *e, pk_plan *plan)
{
    for (int64_t i = 0; i < e->plan->input_count; i++)
        e->plan->inputs[i].param->input = NULL;
    for (int64_t i = 0; i < plan->input_count; i++) {
        pk_param *p = plan->inputs[i].param;
        p->input = plan->inputs[i].bus->buffer;
        p->input_stride = (size_t)e->channels;
        p->input_depth = plan->inputs[i].depth;
    }
    for (int64_t i = 0; i < plan->count; i++) {
        const pk_plan_step *step = &plan->steps[i];
        for (int32_t k = 0; k < step->node_count; k++)
            if (step->nodes[k].fade->start == PK_AT_ONCE)
                step->nodes[k].fade->start = e->now;
        for (int32_t k = 0; k < step->send_count; k++)
            if (step->sends[k].fade->start == PK_AT_ONCE)
                step->sends[k].fade->start = e->now;
    }
    give_back(e, PK_RETURN_PLAN, e->plan);
    e->plan = plan;
}

/* Take the commands that have arrived: voices and buses join the graph now, timed changes
 * wait in the timeline. Each command counts as taken only once done with: Python frees a
 * returned voice only after every command that could name it is taken. */
static void take_commands(pk_engine *e)
{
    pk_command *c;
    while (pk_ring_peek(&e->commands, &c)) {
        pk_voice *v = c->voice;
        if (v && (v->flags & PK_VOICE_DONE) && c->kind != PK_CMD_TIMELINE) {
            give_back(e, PK_RETURN_COMMAND, c); /* it ended meanwhile */
        } else if (c->kind == PK_CMD_PLAY) {
            if (v->start == PK_AT_ONCE) {
                v->start = e->now;
            } else if (v->start < e->now) { /* came late: it starts now, from its start */
                post_voice(e, PK_EVENT_LATE, e->now, v, e->now - v->start);
                v->start = e->now;
            }
            v->next = e->voices;
            e->voices = v;
            give_back(e, PK_RETURN_COMMAND, c);
        } else if (c->kind == PK_CMD_ADD_BUS) {
            c->bus->next = e->buses;
            e->buses = c->bus;
            give_back(e, PK_RETURN_COMMAND, c);
        } else if (c->kind == PK_CMD_PLAN) {
            swap_plan(e, c->plan);
            give_back(e, PK_RETURN_COMMAND, c);
        } else if (c->kind == PK_CMD_TIMELINE) {
            give_back(e, PK_RETURN_TIMELINE, (void *)c->param->timeline);
            c->param->timeline = c->timeline;
            c->param->cursor = 0;
            c->param->steady_from = 1, c->param->steady_until = 0;
            if (v && c->param == &v->rate) /* a rate that may move: read by position */
                make_varying(v, e->now);
            give_back(e, PK_RETURN_COMMAND, c);
        } else if (c->kind == PK_CMD_ADD_NODE || c->kind == PK_CMD_REMOVE_NODE) {
            pk_node **link = &c->bus->nodes;
            while (*link && *link != c->node)
                link = &(*link)->next;
            if (c->kind == PK_CMD_ADD_NODE && !*link) {
                c->node->next = NULL;
                *link = c->node;
            } else if (c->kind == PK_CMD_REMOVE_NODE && *link) {
                *link = c->node->next;
            }
            give_back(e, PK_RETURN_COMMAND, c);
        } else {
            c->order = e->taken++;
            timeline_push(e, c);
            if (v) {
                c->voice_next = v->commands;
                v->commands = c;
            }
        }
        pk_ring_skip(&e->commands, 1);
    }
}

/* A stopping voice's fade at frame t: 1 before its release, then down to 0 at v->stop. */
PK_INLINE float release_at(const pk_voice *v, int64_t t)
{
    if (v->release_frames == 0 || t < v->release_start)
        return 1.0f;
    return v->release_level - v->release_slope * (float)(t - v->release_start);
}

/* Carry out a timed command at the current frame (its own, or later if it came late). */
static void apply(pk_engine *e, pk_command *c)
{
    const int64_t t = e->now;
    pk_voice *v = c->voice;
    if (v)
        forget_command(v, c);
    if (c->kind == PK_CMD_STOP && t < v->stop) {
        if (c->ramp == 0) {
            v->stop = t;
        } else if (t + c->ramp < v->stop) { /* (a release ending sooner goes on) */
            v->release_level = release_at(v, t);
            v->release_slope = v->release_level / (float)c->ramp;
            v->release_start = t;
            v->release_frames = c->ramp;
            v->stop = t + c->ramp;
        }
    } else if (c->kind == PK_CMD_SET) {
        if (c->what & PK_SET_LAW)
            v->law = c->law;
    }
    give_back(e, PK_RETURN_COMMAND, c);
}

/* ---- Reading a voice's sound ---- */

/* The channel of a voice's frames that output channel c plays: all from one, each its own
 * from as many as the output has, else round them. */
PK_INLINE size_t source_channel(size_t c, size_t source_channels, size_t channels)
{
    return source_channels == 1 ? 0 : source_channels == channels ? c : c % source_channels;
}

/* Sample c of frame i of v's sound: round its loop past the loop's end (and, once it has
 * looped, before the loop's start, so a restart is read from the loop's own end); silence
 * outside the sound. */
static float sample_at(const pk_voice *v, int64_t i, size_t c)
{
    if (v->loop_end > v->loop_start) {
        const int64_t length = v->loop_end - v->loop_start;
        if (i >= v->loop_end)
            i = v->loop_start + (i - v->loop_end) % length;
        else if ((v->flags & PK_VOICE_LOOPED) && i < v->loop_start)
            i = v->loop_end - 1 - (v->loop_start - 1 - i) % length;
    }
    if (i < 0 || i >= v->frames || i < v->first || i >= v->first + v->count)
        return 0.0f;
    return v->data[(size_t)(i - v->first) * (size_t)v->channels + c];
}

/* A looping voice's position, brought back into its loop when past the loop's end. */
static uint64_t wrap(pk_voice *v, uint64_t position)
{
    if (v->loop_end > v->loop_start && (int64_t)(position >> 32) >= v->loop_end) {
        const int64_t into = ((int64_t)(position >> 32) - v->loop_end) %
                             (v->loop_end - v->loop_start);
        position = ((uint64_t)(v->loop_start + into) << 32) | (position & (PK_ONE_FRAME - 1));
        v->flags |= PK_VOICE_LOOPED;
    }
    return position;
}

/* Read the next n frames of a voice's stream into dst (silence where they have not arrived,
 * reported), noting the stream's length once it ends. t: the engine frame, for events. */
static void stream_take(pk_engine *e, pk_voice *v, float *dst, int64_t n, int64_t t)
{
    pk_stream *s = v->stream;
    const uint64_t underruns = s->underruns, missing = s->underrun_frames;
    const int64_t got = (int64_t)pk_stream_read(s, dst, (size_t)n);
    if (s->underruns != underruns)
        post_voice(e, PK_EVENT_UNDERRUN, t, v, (int64_t)(s->underrun_frames - missing));
    if (got < n && s->ended) {
        v->frames = v->first + v->count + got;
        if (s->end_kind == PK_EVENT_ERROR)
            v->flags |= PK_VOICE_FAILED; /* reported where what was read has played */
    }
}

/* Make a stream voice's window start at frame idx - 1 (idx: where it reads now) and hold what
 * the rest of the pass (engine frames t .. to) reads, as far as it fits: the frames before
 * idx - 1 are dropped (read past and dropped, when a high rate skips beyond the window). A
 * stream's frames are counted from where its window once started: positions stay small. */
static void refill(pk_engine *e, pk_voice *v, uint64_t *position, int64_t t, int64_t to)
{
    const size_t channels = (size_t)v->channels;
    if (v->first > ((int64_t)1 << 30)) { /* keep positions small: count from the window */
        *position -= (uint64_t)v->first << 32;
        v->first = 0;
    }
    const int64_t idx = (int64_t)(*position >> 32);
    float *window = (float *)v->data;
    const int64_t keep_from = idx - 1 > v->first ? idx - 1 : v->first;
    const int64_t end = v->first + v->count;
    if (keep_from >= end) {
        v->first = end;
        v->count = 0;
        for (int64_t skip = keep_from - end; skip > 0 && v->frames == INT64_MAX;) {
            const int64_t n = skip < v->window_frames ? skip : v->window_frames;
            stream_take(e, v, window, n, t);
            v->first += n;
            skip -= n;
        }
        v->first = keep_from;
    } else {
        const int64_t drop = keep_from - v->first;
        memmove(window, window + (size_t)drop * channels,
                (size_t)(v->count - drop) * channels * sizeof(float));
        v->first = keep_from;
        v->count -= drop;
    }
    if (v->frames != INT64_MAX)
        return; /* it has ended: nothing more to read */
    const uint64_t step = top_step(v);
    const int64_t ahead = (int64_t)(((uint64_t)(to - t) * step) >> 32) + 4;
    int64_t n = idx + ahead - (v->first + v->count);
    if (n > v->window_frames - v->count)
        n = v->window_frames - v->count;
    if (n > 0) {
        stream_take(e, v, window + (size_t)v->count * channels, n, t);
        v->count += n;
    }
}

/* Frames past the last a pass's reads reach that a stream's window may take (see
 * stream_ready). */
#define STREAM_SLACK 8

/* Frames computed at a time in read_mono_run. */
#define RUN 64

/* Frame k of a run reads at q (32.32, from the run's first frame): its offset, and its
 * Catmull-Rom weights from the fraction's top 23 bits (as a signed int: one instruction). */
PK_INLINE void tap_weights(uint64_t q, int64_t k, int32_t *offset, float *w0, float *w1,
                           float *w2, float *w3)
{
    offset[k] = (int32_t)(q >> 32);
    PK_CATMULL_ROM(float, (float)(int32_t)((q >> 9) & 0x7fffff) * (1.0f / 8388608.0f), c0, c1,
                   c2, c3);
    w0[k] = c0;
    w1[k] = c1;
    w2[k] = c2;
    w3[k] = c3;
}

/* Read a mono sound's frames from t into dst, in runs that stay inside its sound (idx - 1 ..
 * idx + 2 all in, no loop wrap). Each run takes three passes: the positions of its frames
 * (a sum of steps while the rate moves), their offsets and weights (arithmetic only: it
 * vectorises), then the four taps of each. Returns the frames read: up to `to`, or the first
 * frame that needs the edge-checking path; *position moves on to match. */
PK_INLINE int64_t read_mono_run(pk_voice *v, float *dst, int64_t t, int64_t to,
                                uint64_t *position)
{
    uint64_t p = *position;
    uint64_t at[RUN + 1];
    int32_t offset[RUN];
    float w0[RUN], w1[RUN], w2[RUN], w3[RUN];
    const int64_t inner_end = (v->loop_end > v->loop_start ? v->loop_end : v->frames) - 2;
    const int64_t from = t;
    while (t < to) {
        /* Before the loop's start, a voice that has looped (perhaps in the last run) reads
         * the loop's end: not in a run. */
        const int64_t inner_start = (v->flags & PK_VOICE_LOOPED) ? v->loop_start + 1 : 1;
        if ((int64_t)(p >> 32) < inner_start || (int64_t)(p >> 32) >= inner_end)
            break;
        const int moving = v->steps != NULL;
        const uint64_t top = top_step(v); /* no step in the run is larger */
        /* Frames until the position would leave the inside: (inner_end << 32) - p over top. */
        const uint64_t room = (((uint64_t)inner_end << 32) - p - 1) / top + 1;
        int64_t n = to - t < RUN ? to - t : RUN;
        if ((uint64_t)n > room)
            n = (int64_t)room;
        /* Positions relative to the run's first frame: fraction + steps < 2^47. */
        const float *base = v->data + (p >> 32);
        const uint64_t fraction = p & (PK_ONE_FRAME - 1);
        uint64_t moved = (uint64_t)n * v->step;
        if (moving) {
            at[0] = fraction;
            for (int64_t k = 0; k < n; k++)
                at[k + 1] = at[k] + step_at(v, t + k);
            for (int64_t k = 0; k < n; k++)
                tap_weights(at[k], k, offset, w0, w1, w2, w3);
            moved = at[n] - fraction;
        } else {
            for (int64_t k = 0; k < n; k++)
                tap_weights(fraction + (uint64_t)k * v->step, k, offset, w0, w1, w2, w3);
        }
        for (int64_t k = 0; k < n; k++) {
            const float *f = base + offset[k] - 1;
            dst[k] = w0[k] * f[0] + w1[k] * f[1] + w2[k] * f[2] + w3[k] * f[3];
        }
        p = wrap(v, p + moved);
        dst += n;
        t += n;
    }
    *position = p;
    return t - from;
}

/* Read a voice that varies (a rate, a loop, a stream) for engine frames t .. to into dst,
 * `used` channels a frame: its position steps by step_at(t) each frame, and the sound is read
 * between frames by Catmull-Rom. Returns the frame it stopped at: `to`, or where it ran out. */
PK_INLINE int64_t read_varying(pk_engine *e, pk_voice *v, int64_t t, int64_t to, float *dst,
                               size_t used)
{
    const int looping = v->loop_end > v->loop_start;
    const size_t channels = (size_t)v->channels;
    uint64_t position = v->position;
    while (t < to) {
        if (used == 1 && !v->stream) {
            const int64_t n = read_mono_run(v, dst, t, to, &position);
            dst += n;
            t += n;
            if (t == to)
                break;
        }
        if (v->stream && (int64_t)(position >> 32) + 2 >= v->first + v->count &&
            v->frames == INT64_MAX)
            refill(e, v, &position, t, to);
        const int64_t idx = (int64_t)(position >> 32);
        if (!looping && idx >= v->frames)
            break; /* ran out */
        /* The fraction's top 23 bits, as a signed int: converts in one instruction. */
        PK_CATMULL_ROM(float, (float)(int32_t)((position >> 9) & 0x7fffff) * (1.0f / 8388608.0f),
                       k0, k1, k2, k3);
        const int64_t low = (v->flags & PK_VOICE_LOOPED) ? v->loop_start : v->first;
        const int64_t high = looping ? v->loop_end : v->first + v->count;
        if (idx - 1 >= low && idx + 2 < high) {
            const float *f = v->data + (size_t)(idx - 1 - v->first) * channels;
            for (size_t c = 0; c < used; c++)
                dst[c] = k0 * f[c] + k1 * f[channels + c] + k2 * f[2 * channels + c] +
                         k3 * f[3 * channels + c];
        } else {
            for (size_t c = 0; c < used; c++)
                dst[c] = k0 * sample_at(v, idx - 1, c) + k1 * sample_at(v, idx, c) +
                         k2 * sample_at(v, idx + 1, c) + k3 * sample_at(v, idx + 2, c);
        }
        dst += used;
        position = wrap(v, position + step_at(v, t));
        t++;
    }
    v->position = position;
    return t;
}

/* Mix n frames (`used` channels, `stride` apart) into the bus's frames at dst, with the
 * voice's gains from engine frame t: steady ones where its gain and pan hold (the usual case,
 * a check a pass), else frame by frame; and a release's fade. */
PK_INLINE void mix_run(pk_voice *v, const float *src, size_t stride, size_t used, float *dst,
                       size_t channels, int64_t t, int64_t n)
{
    double gain, pan = 0.0;
    const int gain_held = pk_param_steady(&v->gain, t, (size_t)n, &gain);
    const int pan_held = v->law == PK_LAW_NONE || pk_param_steady(&v->pan, t, (size_t)n, &pan);
    if (!gain_held || !pan_held) { /* moving: each frame's gains as a held pass has them */
        double unit[PK_MAX_CHANNELS], gains[PK_BLOCK], pans[PK_BLOCK];
        pk_param_values(&v->gain, t, (size_t)n, gains);
        if (pan_held)
            law_units(v->law, pan, channels, unit);
        else
            pk_param_values(&v->pan, t, (size_t)n, pans);
        if (pan_held && used == 1 && channels == 2 &&
            (v->release_frames == 0 || v->release_start >= t + n)) { /* the usual glide */
            const double left = unit[0], right = unit[1];
            for (int64_t f = 0; f < n; f++) {
                const float x = src[f * (int64_t)stride];
                dst[2 * f] += x * (float)(gains[f] * left);
                dst[2 * f + 1] += x * (float)(gains[f] * right);
            }
            return;
        }
        for (int64_t f = 0; f < n; f++) {
            const double g0 = gains[f];
            if (!pan_held)
                law_units(v->law, pans[f], channels, unit);
            const float fade = release_at(v, t + f);
            for (size_t c = 0; c < channels; c++)
                dst[(size_t)f * channels + c] +=
                    src[(size_t)f * stride + source_channel(c, used, channels)] *
                    (float)(g0 * unit[c]) * fade;
        }
        return;
    }
    if (gain != v->held_gain || pan != v->held_pan || v->law != v->held_law) {
        law_gains(v->law, gain, pan, channels, v->held_gains);
        v->held_gain = gain, v->held_pan = pan, v->held_law = v->law;
    }
    const float *g = v->held_gains;
    const int64_t release = v->release_frames > 0 ? v->release_start - t : n;
    const int64_t steady = release < n ? (release > 0 ? release : 0) : n; /* frames before it */
    if (used == 1 && channels == 2) { /* the common case, in one pass */
        const float left = g[0], right = g[1];
        for (int64_t f = 0; f < steady; f++) {
            dst[2 * f] += src[f * (int64_t)stride] * left;
            dst[2 * f + 1] += src[f * (int64_t)stride] * right;
        }
    } else {
        for (int64_t f = 0; f < steady; f++)
            for (size_t c = 0; c < channels; c++)
                dst[(size_t)f * channels + c] +=
                    src[(size_t)f * stride + source_channel(c, used, channels)] * g[c];
    }
    for (int64_t f = steady; f < n; f++) { /* releasing (rare: frame by frame) */
        const float fade = release_at(v, t + f);
        for (size_t c = 0; c < channels; c++)
            dst[(size_t)f * channels + c] +=
                src[(size_t)f * stride + source_channel(c, used, channels)] * g[c] * fade;
    }
}

/* mix_run over n frames from t: the frames where gain or pan move, then those where they
 * hold (a glide that ends within the pass leaves the rest to the quick way). */
PK_INLINE void mix_frames(pk_voice *v, const float *src, size_t stride, size_t used,
                          float *dst, size_t channels, int64_t t, int64_t n)
{
    int64_t held = pk_param_holds_from(&v->gain, t, (size_t)n);
    if (v->law != PK_LAW_NONE) {
        const int64_t pan = pk_param_holds_from(&v->pan, t, (size_t)n);
        held = pan > held ? pan : held;
    }
    if (held > t && held < t + n) {
        mix_run(v, src, stride, used, dst, channels, t, held - t);
        mix_run(v, src + (size_t)(held - t) * stride, stride, used,
                dst + (size_t)(held - t) * channels, channels, held, t + n - held);
        return;
    }
    mix_run(v, src, stride, used, dst, channels, t, n);
}

/* Mix voice v's frames that fall in this pass into mix (its bus's buffer). Returns the
 * engine frame it ends at, or INT64_MAX if that is after the pass. */
PK_INLINE int64_t render_voice(pk_engine *e, pk_voice *v, float *mix, size_t frames)
{
    const int64_t now = e->now, pass_end = now + (int64_t)frames;
    const int64_t from = v->start > now ? v->start : now;
    const size_t channels = (size_t)e->channels;
    const size_t used = (size_t)v->channels < channels ? (size_t)v->channels : channels;
    int64_t to = v->stop < pass_end ? v->stop : pass_end;
    if (v->link) { /* a second device's input, pulled at this engine's clock */
        const size_t ins = (size_t)v->link->channels;
        if (e->clock_ns != 0 && from < to) {
            pk_link_pull(v->link, e->scratch, (size_t)(to - from),
                         (double)e->clock_ns * 1e-9 +
                             (double)(from - e->clock_frame) / e->samplerate);
            mix_frames(v, e->scratch, ins, ins < channels ? ins : channels,
                       mix + (size_t)(from - now) * channels, channels, from, to - from);
        }
        return to == v->stop ? v->stop : INT64_MAX;
    }
    if (v->flags & PK_VOICE_INPUT) { /* the input's frames as they come, silence without */
        const int64_t first = e->input_frame, last = first + e->input_frames;
        const int64_t a = from > first ? from : first, b = to < last ? to : last;
        const size_t ins = (size_t)e->input_channels;
        if (e->input && a < b)
            mix_frames(v, e->input + (size_t)(a - first) * ins, ins, ins < channels ? ins : channels,
                       mix + (size_t)(a - now) * channels, channels, a, b - a);
        return to == v->stop ? v->stop : INT64_MAX;
    }
    if (!(v->flags & PK_VOICE_VARYING)) { /* frame t plays frame t - start: no state */
        const int64_t end = v->start + v->frames < v->stop ? v->start + v->frames : v->stop;
        to = end < to ? end : to;
        if (from < to)
            mix_frames(v, v->data + (size_t)(from - v->start) * (size_t)v->channels,
                       (size_t)v->channels, used, mix + (size_t)(from - now) * channels,
                       channels, from, to - from);
        return end;
    }
    if (from < to) {
        /* where the rate moves (step by step), then where it holds (the quick way) */
        const int64_t held = pk_param_holds_from(&v->rate, from, (size_t)(to - from));
        int64_t ran_out = from;
        if (held > from) {
            rate_run(e, v, from, (size_t)(held - from));
            ran_out = read_varying(e, v, from, held, e->scratch, used);
        }
        if (ran_out == held && held < to) {
            rate_run(e, v, held, (size_t)(to - held));
            ran_out = read_varying(e, v, held, to, e->scratch + (size_t)(held - from) * used,
                                   used);
        }
        mix_frames(v, e->scratch, used, used, mix + (size_t)(from - now) * channels, channels,
                   from, ran_out - from);
        if (ran_out < to)
            return ran_out;
    }
    return to == v->stop ? v->stop : INT64_MAX;
}

/* Set NaN and infinite samples among a bus's n to 0, so that they go no further (a voice's
 * overflow or an unstable filter must not silence the whole mix). Returns how many. */
PK_INLINE uint64_t make_finite(float *samples, size_t n)
{
    /* A sample is NaN or infinite when its exponent bits are all ones: then its magnitude's
     * bits plus one exponent step reach the sign bit. An OR over all of them vectorises. */
    uint32_t seen = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &samples[i], sizeof bits);
        seen |= (bits & 0x7fffffffu) + 0x00800000u;
    }
    if (!(seen & 0x80000000u))
        return 0;
    uint64_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(samples[i])) {
            samples[i] = 0.0f;
            count++;
        }
    return count;
}

/* Count a bus's pass's invalid samples, and report the first pass of a run of them. */
static void report_invalid(pk_engine *e, pk_bus *b, uint64_t count)
{
    if (count == 0) {
        b->invalid = 0;
        return;
    }
    pk_count(&e->invalid_samples, count);
    if (!b->invalid) {
        const pk_engine_event event = {PK_EVENT_INVALID, 0, e->now, b->id, (int64_t)count,
                                       0.0f, 0.0f};
        post(e, &event);
    }
    b->invalid = 1;
}

/* ---- The render plan's work: effects, sends and delays ---- */

static int post_from_node(pk_node_context *context, const pk_engine_event *event)
{
    return post(context->host, event);
}

/* A fade's level at frame t: an effect's share of its bus's output, a send's gain. */
PK_INLINE float fade_at(const pk_fade *fade, int64_t t)
{
    if (fade->frames == 0 || t >= fade->start + fade->frames)
        return fade->to;
    if (t < fade->start)
        return fade->from;
    return fade->from +
           (fade->to - fade->from) * ((float)(t - fade->start) / (float)fade->frames);
}

/* Whether a fade has ended at 0 by frame t (what it fades no longer plays). */
PK_INLINE int faded_out(const pk_fade *fade, int64_t t)
{
    return fade->to == 0.0f && fade_at(fade, t) == 0.0f;
}

/* Run an effect over a bus's n frames, mixed with what came in while it fades. */
static void run_node(pk_engine *e, const pk_plan_node *p, float *block, size_t n,
                     pk_node_context *context)
{
    const size_t channels = (size_t)e->channels;
    const int64_t now = e->now;
    context->sidechain = p->sidechain;
    if (faded_out(p->fade, now))
        return; /* waiting to leave */
    if (fade_at(p->fade, now) == 1.0f && fade_at(p->fade, now + (int64_t)n - 1) == 1.0f) {
        p->node->kind->process(p->node, block, n, now, context);
        return;
    }
    float *dry = e->bus_scratch;
    memcpy(dry, block, n * channels * sizeof(float));
    p->node->kind->process(p->node, block, n, now, context);
    for (size_t f = 0; f < n; f++) {
        const float wet = fade_at(p->fade, now + (int64_t)f);
        for (size_t c = 0; c < channels; c++) {
            const size_t i = f * channels + c;
            block[i] = dry[i] + wet * (block[i] - dry[i]);
        }
    }
}

/* Add a bus's n frames into a send's bus, delayed and at the send's gain. */
static void send_run(pk_engine *e, const pk_plan_send *s, const float *block, size_t n)
{
    const size_t channels = (size_t)e->channels, samples = n * channels;
    if (faded_out(s->fade, e->now))
        return; /* waiting to leave */
    const float first = fade_at(s->fade, e->now);
    const float last = fade_at(s->fade, e->now + (int64_t)n - 1);
    if (s->delay) {
        memcpy(e->bus_scratch, block, samples * sizeof(float));
        pk_delay_line_run(s->delay, e->bus_scratch, n);
        block = e->bus_scratch;
    }
    float *to = s->to->buffer;
    const int fading = first != 1.0f || last != 1.0f;
    if (fading) {
        const int held = pk_param_run(s->gain, e->now, n);
        for (size_t f = 0; f < n; f++) {
            const float gain =
                s->gain->values[held ? 0 : f] * fade_at(s->fade, e->now + (int64_t)f);
            for (size_t c = 0; c < channels; c++)
                to[f * channels + c] += block[f * channels + c] * gain;
        }
    } else if (pk_param_run(s->gain, e->now, n)) {
        const float gain = s->gain->values[0];
        if (gain == 1.0f)
            for (size_t i = 0; i < samples; i++)
                to[i] += block[i];
        else
            for (size_t i = 0; i < samples; i++)
                to[i] += block[i] * gain;
    } else {
        for (size_t f = 0; f < n; f++)
            for (size_t c = 0; c < channels; c++)
                to[f * channels + c] += block[f * channels + c] * s->gain->values[f];
    }
}

/* A bus's work in a pass, in its plan's order: effects, pre-fader sends, its built-in chain,
 * the other sends. */
static void run_step(pk_engine *e, const pk_plan_step *step, size_t n, pk_node_context *context)
{
    pk_bus *b = step->bus;
    const size_t samples = n * (size_t)e->channels;
    uint64_t invalid = 0;
    if (step->node_count > 0) {
        const pk_float_mode mode = pk_flush_denormals();
        for (int32_t k = 0; k < step->node_count; k++)
            run_node(e, &step->nodes[k], b->buffer, n, context);
        pk_restore_float_mode(mode);
        invalid += make_finite(b->buffer, samples);
    }
    for (int32_t k = 0; k < step->send_count; k++)
        if (step->sends[k].pre_fader)
            send_run(e, &step->sends[k], b->buffer, n);
    context->sidechain = NULL;
    for (pk_node *node = b->nodes; node; node = node->next)
        node->kind->process(node, b->buffer, n, e->now, context);
    invalid += make_finite(b->buffer, samples);
    report_invalid(e, b, invalid);
    for (int32_t k = 0; k < step->send_count; k++)
        if (!step->sends[k].pre_fader)
            send_run(e, &step->sends[k], b->buffer, n);
}

/* Render one pass of at most PK_BLOCK frames, with no timed command inside it. */
PK_INLINE void render_pass(pk_engine *e, float *out, size_t frames)
{
    const size_t channels = (size_t)e->channels;
    const int64_t pass_end = e->now + (int64_t)frames;
    for (pk_bus *b = e->buses; b; b = b->next)
        memset(b->buffer, 0, frames * channels * sizeof(float));
    pk_voice **link = &e->voices;
    while (*link) {
        pk_voice *v = *link;
        if (!(v->flags & PK_VOICE_PLAYING) && v->start < pass_end && v->start < v->stop &&
            v->frames > 0) {
            post_voice(e, PK_EVENT_VOICE_START, v->start, v, 0);
            v->flags |= PK_VOICE_PLAYING;
        }
        const int64_t end = render_voice(e, v, v->bus->buffer, frames);
        if (end <= pass_end) { /* done: out of the list, back to Python */
            if (!(v->flags & PK_VOICE_PLAYING)) /* it played nothing: it starts as it ends */
                post_voice(e, PK_EVENT_VOICE_START, v->start, v, 0);
            if (v->flags & PK_VOICE_FAILED)
                post_voice(e, PK_EVENT_ERROR, end > v->start ? end : v->start, v, 0);
            post_voice(e, PK_EVENT_VOICE_END, end > v->start ? end : v->start, v, 0);
            *link = v->next;
            kill_commands(v);
            v->flags |= PK_VOICE_DONE;
            give_back(e, PK_RETURN_VOICE, v);
        } else {
            link = &v->next;
        }
    }
    const pk_plan *plan = e->plan;
    for (int64_t i = 0; i < plan->count; i++) /* the voices, before any bus adds to them */
        if (plan->steps[i].input_delay)
            pk_delay_line_run(plan->steps[i].input_delay, plan->steps[i].bus->buffer, frames);
    pk_node_context context = {NULL, post_from_node, e, e->bus_scratch + PK_BLOCK * PK_MAX_CHANNELS};
    for (int64_t i = 0; i < plan->count; i++)
        run_step(e, &plan->steps[i], frames, &context);
    memcpy(out, e->master->buffer, frames * channels * sizeof(float));
    pk_store_release((uint64_t *)&e->now, (uint64_t)pass_end); /* Python may be reading it */
}

int64_t pk_engine_now(const pk_engine *e)
{
    return (int64_t)pk_load_acquire((const uint64_t *)&e->now);
}

/* Of the next n frames, how many a stream voice's stream has delivered what they read, as
 * far as an upper bound on what its reads take says; noting the voice that can go no
 * further. Streams that have ended hold all that is left. */
static size_t stream_ready(pk_engine *e, size_t n)
{
    for (pk_voice *v = e->voices; v && n > 0; v = v->next) {
        const pk_stream *s = v->stream;
        if (!s || v->frames != INT64_MAX || v->start >= e->now + (int64_t)n ||
            v->stop <= e->now || pk_load_acquire(&s->end_at) != PK_STREAM_NO_END)
            continue;
        const int64_t lead = v->start > e->now ? v->start - e->now : 0; /* not reading yet */
        rate_run(e, v, e->now, n);
        const uint64_t step = top_step(v);
        /* k frames read up to frame (position + k * step) >> 32, with the interpolator's
         * frames past it and the window's margin (refill() asks for 4 past the pass's last
         * frame): fewer than STREAM_SLACK past it. */
        const int64_t have = v->first + v->count + (int64_t)pk_ring_readable(&s->frames) -
                             (int64_t)(v->position >> 32) - STREAM_SLACK;
        const uint64_t fraction = v->position & (PK_ONE_FRAME - 1);
        int64_t k = have < 0 ? 0
                             : (int64_t)((((uint64_t)have + 1) << 32) - fraction - 1) /
                                   (int64_t)step;
        if (lead + k >= (int64_t)n)
            continue;
        if (lead + k == 0) { /* what its buffer must hold for one frame */
            e->starved_voice = v->id;
            e->starved_frames = (int64_t)((step + fraction) >> 32) + 1 + STREAM_SLACK +
                                (int64_t)(v->position >> 32) - (v->first + v->count);
        }
        n = (size_t)(lead + k);
    }
    return n;
}

PK_INLINE size_t render(pk_engine *e, float *out, size_t frames, int offline)
{
    take_commands(e);
    e->starved_voice = e->starved_frames = 0;
    size_t done = 0;
    for (;;) {
        while (e->timeline_size && e->timeline[0]->frame <= e->now) {
            pk_command *c = timeline_pop(e);
            if (c->kind == PK_CMD_DEAD)
                give_back(e, PK_RETURN_COMMAND, c);
            else
                apply(e, c);
        }
        if (done == frames)
            break;
        size_t n = frames - done < PK_BLOCK ? frames - done : PK_BLOCK;
        if (e->timeline_size && e->timeline[0]->frame - e->now < (int64_t)n)
            n = (size_t)(e->timeline[0]->frame - e->now);
        if (offline && (n = stream_ready(e, n)) == 0)
            break;
        render_pass(e, out + done * (size_t)e->channels, n);
        done += n;
    }
    return done;
}

PK_SIMD void pk_engine_render(pk_engine *e, float *out, size_t frames)
{
    render(e, out, frames, 0);
}

PK_SIMD size_t pk_engine_render_offline(pk_engine *e, float *out, size_t frames)
{
    return render(e, out, frames, 1);
}
