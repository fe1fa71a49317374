/* Delay: echoes `time` seconds apart, each `feedback` times the one before, `mix` the wet
 * share of the output. Per channel, with d the delay in frames read from the line v:
 *
 *     w[n] = v[n - d]                    (fx_delayline.h's interpolated read)
 *     v[n] = x[n] + feedback * w[n]
 *     y[n] = (1 - mix) * x[n] + mix * w[n]
 *
 * d follows `time` frame by frame, so a moving time sweeps the read smoothly (the pitch
 * bends, as on tape). Ping-pong: the channels' mean goes into the first channel's line and
 * each line's feedback into the next channel's (the last into the first's), so that echoes go
 * round the channels: left, right, left, ... in stereo. */
#include <math.h>
#include <string.h>

#include "fx_delayline.h"
#include "node.h"

enum { TIME, FEEDBACK, MIX, PING_PONG, MAX_TIME };

#define MOST_TIME 60.0f

static const pk_param_info params[] = {
    {"time", 0.25f, 0.0f, MOST_TIME, 0},
    {"feedback", 0.0f, -0.99f, 0.99f, 0},
    {"mix", 0.5f, 0.0f, 1.0f, 0},
    {"ping_pong", 0.0f, 0.0f, 1.0f, PK_PARAM_SETTING},
    {"max_time", 2.0f, 1e-3f, MOST_TIME, PK_PARAM_SETTING},
};

typedef struct {
    pk_node node;
    pk_delay_line line;
    int32_t ping_pong;
    double most;          /* the longest delay, frames */
    double delay;         /* what tap was computed for */
    pk_delay_tap tap;
} delay;

/* `seconds` in frames. A time within float32's rounding of a whole number of frames is that
 * number: float32 seconds cannot hold most whole frame counts exactly. */
static double snapped(float seconds, double samplerate)
{
    const double frames = (double)seconds * samplerate, whole = floor(frames + 0.5);
    return fabs(frames - whole) <= 1.2e-7 * frames ? whole : frames;
}

/* The delay for `seconds`, in frames, within 1 .. most. */
static double frames_of(const delay *d, float seconds)
{
    const double frames = snapped(seconds, d->node.samplerate);
    return frames < 1.0 ? 1.0 : frames > d->most ? d->most : frames;
}

static void delay_release(pk_node *node)
{
    pk_delay_line_free(&((delay *)node)->line);
}

static void delay_reset(pk_node *node)
{
    pk_delay_line_clear(&((delay *)node)->line);
}

static int delay_prepare(pk_node *node, double samplerate, int32_t channels)
{
    delay *d = (delay *)node;
    d->ping_pong = pk_param_setting(&node->params[PING_PONG]) >= 0.5f;
    d->most = fmax(ceil(snapped(pk_param_setting(&node->params[MAX_TIME]), samplerate)), 1.0);
    d->delay = -1.0;
    node->latency = 0;
    const double loop = frames_of(d, pk_param_setting(&node->params[TIME]));
    node->tail = pk_feedback_tail(loop + 2.0, pk_param_setting(&node->params[FEEDBACK]),
                                  MOST_TIME * samplerate);
    return pk_delay_line_init(&d->line, (size_t)d->most, (size_t)channels);
}

static void delay_process(pk_node *node, float *block, size_t frames, int64_t now,
                          pk_node_context *context)
{
    (void)context;
    delay *d = (delay *)node;
    const size_t channels = (size_t)node->channels;
    pk_param *p = node->params;
    const size_t dt = !pk_param_run(&p[TIME], now, frames);
    const size_t dg = !pk_param_run(&p[FEEDBACK], now, frames);
    const size_t dm = !pk_param_run(&p[MIX], now, frames);
    float wet[PK_MAX_CHANNELS];
    for (size_t f = 0; f < frames; f++) {
        const double at = frames_of(d, p[TIME].values[f * dt]);
        if (at != d->delay)
            d->tap = pk_delay_tap_at(at), d->delay = at;
        const float g = p[FEEDBACK].values[f * dg], mix = p[MIX].values[f * dm];
        float *x = block + f * channels, *v = pk_delay_line_slot(&d->line);
        for (size_t c = 0; c < channels; c++)
            wet[c] = pk_delay_line_read(&d->line, &d->tap, c);
        if (d->ping_pong) {
            float mean = 0.0f;
            for (size_t c = 0; c < channels; c++)
                mean += x[c];
            mean /= (float)channels;
            for (size_t c = 0; c < channels; c++)
                v[c] = (c == 0 ? mean : 0.0f) + g * wet[c == 0 ? channels - 1 : c - 1];
        } else {
            for (size_t c = 0; c < channels; c++)
                v[c] = x[c] + g * wet[c];
        }
        for (size_t c = 0; c < channels; c++)
            x[c] = (1.0f - mix) * x[c] + mix * wet[c];
        pk_delay_line_advance(&d->line);
    }
}

const pk_node_class pk_delay_class = {PK_NODE_ABI,   "delay",       sizeof(delay), 5, params,
                                      delay_prepare, delay_process, delay_reset,   delay_release};
