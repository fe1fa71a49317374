/* SVF: the topology-preserving (trapezoidal, zero-delay feedback) state-variable filter, as
 * Andrew Simper's "SvfLinearTrapOptimised2" (Cytomic) and Zavalishin's "The Art of VA Filter
 * Design" give it. Its states are the integrators' (capacitors') charges, not past outputs,
 * so moving `frequency` and `q` every frame, even at audio rate, keeps it stable and smooth
 * where a direct-form biquad's would jump or blow up.
 *
 * With g = tan(pi f / fs) and k = 1 / q it is the bilinear transform (prewarped at f) of
 * these analog prototypes, s in units of 2 pi f, D = s^2 + k s + 1:
 *   lowpass 1 / D, highpass s^2 / D, bandpass k s / D (0 dB at f), notch (s^2 + 1) / D,
 *   peak (1 - s^2) / D (lowpass minus highpass), allpass (s^2 - k s + 1) / D. */
#include <math.h>
#include <string.h>

#include "node.h"

enum { FREQUENCY, Q, MODE };
enum { LOWPASS, HIGHPASS, BANDPASS, NOTCH, PEAK, ALLPASS };

static const pk_param_info params[] = {
    {"frequency", 1000.0f, 1.0f, 1e6f, 0},
    {"q", 0.70710678f, 1e-3f, 1e3f, 0},
    {"mode", LOWPASS, LOWPASS, ALLPASS, PK_PARAM_SETTING},
};

typedef struct {
    float a1, a2, a3;
    float m0, m1, m2; /* the output: m0 input + m1 band + m2 low */
} coefficients;

typedef struct {
    pk_node node;
    int32_t mode;
    coefficients k;
    float frequency, q; /* what k was computed from */
    float ic1[PK_MAX_CHANNELS], ic2[PK_MAX_CHANNELS];
} svf;

/* g = tan(pi f / fs), f kept just below the Nyquist frequency. */
static double warped(double frequency, double samplerate)
{
    const double nyquist = 0.5 * samplerate;
    if (frequency > 0.9999 * nyquist)
        frequency = 0.9999 * nyquist;
    return tan(M_PI * frequency / samplerate);
}

static void update(svf *f, float frequency, float q)
{
    if (frequency == f->frequency && q == f->q)
        return;
    const double g = warped(frequency, f->node.samplerate), k = 1.0 / q;
    const double a1 = 1.0 / (1.0 + g * (g + k));
    double m0 = 0.0, m1 = 0.0, m2 = 0.0;
    switch (f->mode) {
    case LOWPASS: m2 = 1.0; break;
    case HIGHPASS: m0 = 1.0, m1 = -k, m2 = -1.0; break;
    case BANDPASS: m1 = k; break;
    case NOTCH: m0 = 1.0, m1 = -k; break;
    case PEAK: m0 = -1.0, m1 = k, m2 = 2.0; break;
    default: m0 = 1.0, m1 = -2.0 * k; break; /* ALLPASS */
    }
    const coefficients c = {(float)a1,      (float)(g * a1), (float)(g * g * a1),
                            (float)m0,      (float)m1,       (float)m2};
    f->k = c;
    f->frequency = frequency, f->q = q;
}

static void svf_reset(pk_node *node)
{
    svf *f = (svf *)node;
    memset(f->ic1, 0, sizeof f->ic1);
    memset(f->ic2, 0, sizeof f->ic2);
}

/* Frames until the impulse response has decayed by 120 dB, from the poles of the digital
 * filter at these settings (z^2 + a1 z + a2 = 0); 10 s when it would not decay, and at most
 * that when it would take longer (a pole next to z = 1: a tiny q at a low frequency). */
static int64_t tail(double samplerate, double frequency, double q)
{
    const double g = warped(frequency, samplerate), k = 1.0 / q;
    const double a0 = 1.0 + k * g + g * g;
    const double a1 = 2.0 * (g * g - 1.0) / a0, a2 = (1.0 - k * g + g * g) / a0;
    const double disc = a1 * a1 - 4.0 * a2;
    double radius;
    if (disc < 0.0)
        radius = sqrt(a2);
    else
        radius = fmax(fabs(-a1 + sqrt(disc)), fabs(-a1 - sqrt(disc))) / 2.0;
    if (radius >= 1.0)
        return (int64_t)(10.0 * samplerate);
    if (radius <= 0.0)
        return 2;
    return (int64_t)fmin(ceil(-6.0 * log(10.0) / log(radius)) + 2.0, 10.0 * samplerate);
}

static int svf_prepare(pk_node *node, double samplerate, int32_t channels)
{
    (void)channels;
    svf *f = (svf *)node;
    f->mode = (int32_t)pk_param_setting(&node->params[MODE]);
    f->frequency = -1.0f;
    const float frequency = pk_param_setting(&node->params[FREQUENCY]);
    const float q = pk_param_setting(&node->params[Q]);
    update(f, frequency, q);
    node->latency = 0;
    node->tail = tail(samplerate, frequency, q);
    svf_reset(node);
    return 0;
}

/* One frame of one channel. */
static inline float tick(const coefficients *k, float *ic1, float *ic2, float v0)
{
    const float v3 = v0 - *ic2;
    const float v1 = k->a1 * *ic1 + k->a2 * v3;
    const float v2 = *ic2 + k->a2 * *ic1 + k->a3 * v3;
    *ic1 = 2.0f * v1 - *ic1;
    *ic2 = 2.0f * v2 - *ic2;
    return k->m0 * v0 + k->m1 * v1 + k->m2 * v2;
}

static void svf_process(pk_node *node, float *block, size_t frames, int64_t now,
                        pk_node_context *context)
{
    (void)context;
    svf *f = (svf *)node;
    const size_t channels = (size_t)node->channels;
    pk_param *p = node->params;
    const int held_f = pk_param_run(&p[FREQUENCY], now, frames);
    const int held_q = pk_param_run(&p[Q], now, frames);
    if (held_f && held_q) {
        update(f, p[FREQUENCY].values[0], p[Q].values[0]);
        const coefficients k = f->k;
        for (size_t c = 0; c < channels; c++) {
            float ic1 = f->ic1[c], ic2 = f->ic2[c];
            for (size_t t = 0; t < frames; t++)
                block[t * channels + c] = tick(&k, &ic1, &ic2, block[t * channels + c]);
            f->ic1[c] = ic1, f->ic2[c] = ic2;
        }
        return;
    }
    const size_t df = !held_f, dq = !held_q;
    for (size_t t = 0; t < frames; t++) {
        update(f, p[FREQUENCY].values[t * df], p[Q].values[t * dq]);
        for (size_t c = 0; c < channels; c++)
            block[t * channels + c] = tick(&f->k, &f->ic1[c], &f->ic2[c],
                                           block[t * channels + c]);
    }
}

const pk_node_class pk_svf_class = {PK_NODE_ABI, "svf",       sizeof(svf), 3,   params,
                                    svf_prepare, svf_process, svf_reset,   NULL};
