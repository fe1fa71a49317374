/* One-pole filters (6 dB an octave).
 *
 * OnePole: the trapezoidal (topology-preserving) one-pole of Zavalishin's "The Art of VA
 * Filter Design", the bilinear transform of 1 / (1 + s) (lowpass) or s / (1 + s) (highpass)
 * prewarped so that `frequency` is its -3 dB point: with g = tan(pi f / fs) and
 * G = g / (1 + g), v = G (x - s), lowpass = v + s, highpass = x - lowpass, s moves to
 * lowpass + v. Its state is the integrator's, so it may be swept at audio rate.
 *
 * DCBlocker: y[n] = (1 + R) / 2 (x[n] - x[n - 1]) + R y[n - 1], R = exp(-2 pi f / fs): a zero
 * at DC, a pole just inside it, unity gain at the Nyquist frequency. */
#include <math.h>
#include <string.h>

#include "node.h"

/* Frames for a pole at `radius` to decay by 120 dB (at least `least`). */
static int64_t decay_frames(double radius, int64_t least)
{
    radius = fabs(radius);
    if (radius <= 0.0)
        return least;
    if (radius >= 1.0)
        return INT32_MAX;
    return (int64_t)ceil(-6.0 * log(10.0) / log(radius)) + least;
}

static double warped(double frequency, double samplerate)
{
    const double nyquist = 0.5 * samplerate;
    if (frequency > 0.9999 * nyquist)
        frequency = 0.9999 * nyquist;
    return tan(M_PI * frequency / samplerate);
}

/* ---- OnePole ---- */

enum { FREQUENCY, MODE };
enum { LOWPASS, HIGHPASS };

static const pk_param_info onepole_params[] = {
    {"frequency", 1000.0f, 1.0f, 1e6f, 0},
    {"mode", LOWPASS, LOWPASS, HIGHPASS, PK_PARAM_SETTING},
};

typedef struct {
    pk_node node;
    int32_t mode;
    float G, frequency; /* G for this frequency */
    float s[PK_MAX_CHANNELS];
} onepole;

static void onepole_update(onepole *f, float frequency)
{
    if (frequency == f->frequency)
        return;
    const double g = warped(frequency, f->node.samplerate);
    f->G = (float)(g / (1.0 + g));
    f->frequency = frequency;
}

static void onepole_reset(pk_node *node)
{
    onepole *f = (onepole *)node;
    memset(f->s, 0, sizeof f->s);
}

static int onepole_prepare(pk_node *node, double samplerate, int32_t channels)
{
    (void)channels;
    onepole *f = (onepole *)node;
    f->mode = (int32_t)pk_param_setting(&node->params[MODE]);
    f->frequency = -1.0f;
    onepole_update(f, pk_param_setting(&node->params[FREQUENCY]));
    const double g = warped(f->frequency, samplerate);
    node->latency = 0;
    node->tail = decay_frames((1.0 - g) / (1.0 + g), 1);
    onepole_reset(node);
    return 0;
}

static inline float onepole_tick(float G, int highpass, float *s, float x)
{
    const float v = G * (x - *s);
    const float low = v + *s;
    *s = low + v;
    return highpass ? x - low : low;
}

static void onepole_process(pk_node *node, float *block, size_t frames, int64_t now,
                            pk_node_context *context)
{
    (void)context;
    onepole *f = (onepole *)node;
    const size_t channels = (size_t)node->channels;
    const int highpass = f->mode == HIGHPASS;
    pk_param *frequency = &node->params[FREQUENCY];
    if (pk_param_run(frequency, now, frames)) {
        onepole_update(f, frequency->values[0]);
        const float G = f->G;
        for (size_t c = 0; c < channels; c++) {
            float s = f->s[c];
            for (size_t t = 0; t < frames; t++)
                block[t * channels + c] = onepole_tick(G, highpass, &s, block[t * channels + c]);
            f->s[c] = s;
        }
        return;
    }
    for (size_t t = 0; t < frames; t++) {
        onepole_update(f, frequency->values[t]);
        for (size_t c = 0; c < channels; c++)
            block[t * channels + c] = onepole_tick(f->G, highpass, &f->s[c],
                                                   block[t * channels + c]);
    }
}

const pk_node_class pk_onepole_class = {PK_NODE_ABI,     "onepole",       sizeof(onepole), 2,
                                        onepole_params,  onepole_prepare, onepole_process,
                                        onepole_reset,   NULL};

/* ---- DCBlocker ---- */

static const pk_param_info dcblocker_params[] = {
    {"frequency", 10.0f, 1.0f, 1000.0f, 0},
};

typedef struct {
    pk_node node;
    float R, scale, frequency; /* R and (1 + R) / 2 for this frequency */
    float x1[PK_MAX_CHANNELS], y1[PK_MAX_CHANNELS];
} dcblocker;

static void dcblocker_update(dcblocker *f, float frequency)
{
    if (frequency == f->frequency)
        return;
    const double R = exp(-2.0 * M_PI * frequency / f->node.samplerate);
    f->R = (float)R, f->scale = (float)(0.5 * (1.0 + R));
    f->frequency = frequency;
}

static void dcblocker_reset(pk_node *node)
{
    dcblocker *f = (dcblocker *)node;
    memset(f->x1, 0, sizeof f->x1);
    memset(f->y1, 0, sizeof f->y1);
}

static int dcblocker_prepare(pk_node *node, double samplerate, int32_t channels)
{
    (void)samplerate;
    (void)channels;
    dcblocker *f = (dcblocker *)node;
    f->frequency = -1.0f;
    dcblocker_update(f, pk_param_setting(&node->params[0]));
    node->latency = 0;
    node->tail = decay_frames(f->R, 1);
    dcblocker_reset(node);
    return 0;
}

static inline float dcblocker_tick(float R, float scale, float *x1, float *y1, float x)
{
    const float y = scale * (x - *x1) + R * *y1;
    *x1 = x, *y1 = y;
    return y;
}

static void dcblocker_process(pk_node *node, float *block, size_t frames, int64_t now,
                              pk_node_context *context)
{
    (void)context;
    dcblocker *f = (dcblocker *)node;
    const size_t channels = (size_t)node->channels;
    pk_param *frequency = &node->params[0];
    if (pk_param_run(frequency, now, frames)) {
        dcblocker_update(f, frequency->values[0]);
        const float R = f->R, scale = f->scale;
        for (size_t c = 0; c < channels; c++) {
            float x1 = f->x1[c], y1 = f->y1[c];
            for (size_t t = 0; t < frames; t++)
                block[t * channels + c] = dcblocker_tick(R, scale, &x1, &y1,
                                                         block[t * channels + c]);
            f->x1[c] = x1, f->y1[c] = y1;
        }
        return;
    }
    for (size_t t = 0; t < frames; t++) {
        dcblocker_update(f, frequency->values[t]);
        for (size_t c = 0; c < channels; c++)
            block[t * channels + c] = dcblocker_tick(f->R, f->scale, &f->x1[c], &f->y1[c],
                                                     block[t * channels + c]);
    }
}

const pk_node_class pk_dcblocker_class = {PK_NODE_ABI,       "dcblocker",       sizeof(dcblocker),
                                          1,                 dcblocker_params,  dcblocker_prepare,
                                          dcblocker_process, dcblocker_reset,   NULL};
