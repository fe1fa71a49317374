/* The biquad filters, with the Audio EQ Cookbook's coefficients (Robert Bristow-Johnson):
 * Lowpass, Highpass, Bandpass (0 dB peak), Notch, Peak, LowShelf, HighShelf and Allpass.
 * `frequency` in Hz, `q` the cookbook's Q, `gain_db` for Peak and the shelves, and `stages`
 * identical sections in series for steeper slopes. Each section is a transposed direct form
 * II in double precision (with float32 coefficients, a low corner's poles move enough to
 * change the response by a tenth of a dB; a recursive filter's speed is bound by the
 * latency of its feedback, which is the same in double); coefficients are computed once
 * while the parameters hold, frame by frame while they move. */
#include <math.h>
#include <string.h>

#include "node.h"

#define MOST_STAGES 8

enum { FREQUENCY, Q, GAIN_DB, STAGES };
enum { LOWPASS, HIGHPASS, BANDPASS, NOTCH, PEAK, LOWSHELF, HIGHSHELF, ALLPASS };

static const pk_param_info params[] = {
    {"frequency", 1000.0f, 1.0f, 1e6f, 0},
    {"q", 0.70710678f, 1e-3f, 1e3f, 0},
    {"gain_db", 0.0f, -120.0f, 120.0f, 0},
    {"stages", 1.0f, 1.0f, MOST_STAGES, PK_PARAM_SETTING},
};

typedef struct {
    double b0, b1, b2, a1, a2;
} coefficients;

typedef struct {
    pk_node node;
    int32_t type;
    int32_t stages;
    coefficients k;
    float frequency, q, gain_db; /* what k was computed from */
    double z1[MOST_STAGES][PK_MAX_CHANNELS];
    double z2[MOST_STAGES][PK_MAX_CHANNELS];
} biquad;

static coefficients design(int type, double samplerate, double frequency, double q,
                           double gain_db)
{
    const double nyquist = 0.5 * samplerate;
    if (frequency > 0.9999 * nyquist)
        frequency = 0.9999 * nyquist;
    const double w0 = 2.0 * M_PI * frequency / samplerate, cw = cos(w0), sw = sin(w0);
    const double alpha = sw / (2.0 * q), a = pow(10.0, gain_db / 40.0);
    const double root = 2.0 * sqrt(a) * alpha;
    double b0, b1, b2, a0, a1, a2;
    switch (type) {
    case LOWPASS:
        b0 = b2 = (1.0 - cw) / 2.0, b1 = 1.0 - cw, a0 = 1.0 + alpha, a1 = -2.0 * cw,
        a2 = 1.0 - alpha;
        break;
    case HIGHPASS:
        b0 = b2 = (1.0 + cw) / 2.0, b1 = -(1.0 + cw), a0 = 1.0 + alpha, a1 = -2.0 * cw,
        a2 = 1.0 - alpha;
        break;
    case BANDPASS:
        b0 = alpha, b1 = 0.0, b2 = -alpha, a0 = 1.0 + alpha, a1 = -2.0 * cw, a2 = 1.0 - alpha;
        break;
    case NOTCH:
        b0 = b2 = 1.0, b1 = -2.0 * cw, a0 = 1.0 + alpha, a1 = -2.0 * cw, a2 = 1.0 - alpha;
        break;
    case PEAK:
        b0 = 1.0 + alpha * a, b1 = -2.0 * cw, b2 = 1.0 - alpha * a, a0 = 1.0 + alpha / a,
        a1 = -2.0 * cw, a2 = 1.0 - alpha / a;
        break;
    case LOWSHELF:
        b0 = a * ((a + 1.0) - (a - 1.0) * cw + root);
        b1 = 2.0 * a * ((a - 1.0) - (a + 1.0) * cw);
        b2 = a * ((a + 1.0) - (a - 1.0) * cw - root);
        a0 = (a + 1.0) + (a - 1.0) * cw + root;
        a1 = -2.0 * ((a - 1.0) + (a + 1.0) * cw);
        a2 = (a + 1.0) + (a - 1.0) * cw - root;
        break;
    case HIGHSHELF:
        b0 = a * ((a + 1.0) + (a - 1.0) * cw + root);
        b1 = -2.0 * a * ((a - 1.0) + (a + 1.0) * cw);
        b2 = a * ((a + 1.0) + (a - 1.0) * cw - root);
        a0 = (a + 1.0) - (a - 1.0) * cw + root;
        a1 = 2.0 * ((a - 1.0) - (a + 1.0) * cw);
        a2 = (a + 1.0) - (a - 1.0) * cw - root;
        break;
    default: /* ALLPASS */
        b0 = 1.0 - alpha, b1 = -2.0 * cw, b2 = 1.0 + alpha, a0 = 1.0 + alpha, a1 = -2.0 * cw,
        a2 = 1.0 - alpha;
        break;
    }
    const coefficients k = {b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0};
    return k;
}

/* The coefficients for these parameter values, recomputed only when they differ. */
static void update(biquad *f, float frequency, float q, float gain_db)
{
    if (frequency == f->frequency && q == f->q && gain_db == f->gain_db)
        return;
    f->k = design(f->type, f->node.samplerate, frequency, q, gain_db);
    f->frequency = frequency, f->q = q, f->gain_db = gain_db;
}

static void biquad_reset(pk_node *node)
{
    biquad *f = (biquad *)node;
    memset(f->z1, 0, sizeof f->z1);
    memset(f->z2, 0, sizeof f->z2);
}

static int prepare(pk_node *node, int type)
{
    biquad *f = (biquad *)node;
    f->type = type;
    f->stages = (int32_t)pk_param_setting(&node->params[STAGES]);
    f->frequency = -1.0f; /* none yet: the first update computes */
    node->latency = 0;
    /* Until it has decayed by 120 dB, as far as its slowest pole says (at least 1 frame), but
     * at most 10 s: poles next to the unit circle (a high q near the Nyquist frequency) would
     * ask for hours, and one-shot calls with their tail would not end. */
    update(f, pk_param_setting(&node->params[FREQUENCY]), pk_param_setting(&node->params[Q]),
           pk_param_setting(&node->params[GAIN_DB]));
    const double radius = sqrt(fabs((double)f->k.a2));
    const double frames = radius < 1.0 && radius > 0.0
                              ? ceil(-6.0 * log(10.0) / log(radius)) * f->stages + 1.0
                              : 1.0;
    node->tail = (int64_t)fmin(frames, 10.0 * node->samplerate);
    biquad_reset(node);
    return 0;
}

/* One section over n frames of one channel, `channels` apart, coefficients held. */
static void section(const coefficients *k, double *z1, double *z2, float *x, size_t n,
                    size_t channels)
{
    double s1 = *z1, s2 = *z2;
    for (size_t f = 0; f < n; f++) {
        const double in = x[f * channels];
        const double out = k->b0 * in + s1;
        s1 = k->b1 * in - k->a1 * out + s2;
        s2 = k->b2 * in - k->a2 * out;
        x[f * channels] = (float)out;
    }
    *z1 = s1, *z2 = s2;
}

/* A section over n stereo frames: the two channels' feedback chains interleaved, so that
 * each hides the other's latency. */
static void section_stereo(const coefficients *k, double *z1, double *z2, float *x, size_t n)
{
    double l1 = z1[0], l2 = z2[0], r1 = z1[1], r2 = z2[1];
    for (size_t f = 0; f < n; f++) {
        const double left = x[2 * f], right = x[2 * f + 1];
        const double out_l = k->b0 * left + l1, out_r = k->b0 * right + r1;
        l1 = k->b1 * left - k->a1 * out_l + l2;
        r1 = k->b1 * right - k->a1 * out_r + r2;
        l2 = k->b2 * left - k->a2 * out_l;
        r2 = k->b2 * right - k->a2 * out_r;
        x[2 * f] = (float)out_l, x[2 * f + 1] = (float)out_r;
    }
    z1[0] = l1, z2[0] = l2, z1[1] = r1, z2[1] = r2;
}

static void biquad_process(pk_node *node, float *block, size_t frames, int64_t now,
                           pk_node_context *context)
{
    (void)context;
    biquad *f = (biquad *)node;
    const size_t channels = (size_t)node->channels;
    pk_param *p = node->params;
    const int held_f = pk_param_run(&p[FREQUENCY], now, frames);
    const int held_q = pk_param_run(&p[Q], now, frames);
    const int held_g = pk_param_run(&p[GAIN_DB], now, frames);
    if (held_f && held_q && held_g) {
        update(f, p[FREQUENCY].values[0], p[Q].values[0], p[GAIN_DB].values[0]);
        for (int32_t s = 0; s < f->stages && channels == 2; s++)
            section_stereo(&f->k, f->z1[s], f->z2[s], block, frames);
        for (int32_t s = 0; s < f->stages && channels != 2; s++)
            for (size_t c = 0; c < channels; c++)
                section(&f->k, &f->z1[s][c], &f->z2[s][c], block + c, frames, channels);
        return;
    }
    /* Some move: each frame with its own coefficients (a held one's values[0] serves all). */
    const size_t df = !held_f, dq = !held_q, dg = !held_g;
    for (size_t t = 0; t < frames; t++) {
        update(f, p[FREQUENCY].values[t * df], p[Q].values[t * dq], p[GAIN_DB].values[t * dg]);
        for (int32_t s = 0; s < f->stages; s++)
            for (size_t c = 0; c < channels; c++)
                section(&f->k, &f->z1[s][c], &f->z2[s][c], block + t * channels + c, 1,
                        channels);
    }
}

#define BIQUAD(kind, name, type)                                                            \
    static int kind##_prepare(pk_node *node, double samplerate, int32_t channels)            \
    {                                                                                       \
        (void)samplerate;                                                                   \
        (void)channels;                                                                     \
        return prepare(node, type);                                                         \
    }                                                                                       \
    const pk_node_class pk_##kind##_class = {PK_NODE_ABI,    name,           sizeof(biquad), \
                                             4,              params,         kind##_prepare, \
                                             biquad_process, biquad_reset,   NULL};

BIQUAD(lowpass, "lowpass", LOWPASS)
BIQUAD(highpass, "highpass", HIGHPASS)
BIQUAD(bandpass, "bandpass", BANDPASS)
BIQUAD(notch, "notch", NOTCH)
BIQUAD(peak, "peak", PEAK)
BIQUAD(lowshelf, "lowshelf", LOWSHELF)
BIQUAD(highshelf, "highshelf", HIGHSHELF)
BIQUAD(allpass, "allpass", ALLPASS)
