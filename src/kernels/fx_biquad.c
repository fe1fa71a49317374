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
#include "simd.h"

#define MOST_STAGES 8

enum { FREQUENCY, Q, GAIN_DB, STAGES };
enum { LOWPASS, HIGHPASS, BANDPASS, NOTCH, PEAK, LOWSHELF, HIGHSHELF, ALLPASS };

static const pk_param_info params[] = {
    {"frequency", 1000.0f, 1.0f, 1e6f, 0},
    {"q", 0.70710678f, 1e-3f, 1e3f, 0},
    {"gain_db", 0.0f, -120.0f, 120.0f, 0},
    {"stages", 1.0f, 1.0f, MOST_STAGES, PK_PARAM_SETTING},
};

/* A section is the transposed direct form II
 *     out = b0 x + s1,   s1' = b1 x - a1 out + s2,   s2' = b2 x - a2 out,
 * computed in a form whose feedback loops take one multiply-add a frame (the plain form's
 * take an add and a multiply-add in series: twice as long, and that latency is a biquad's
 * speed). With out substituted, s1' = -a1 s1 + s2 + c1 x and s2' = -a2 s1 + c2 x, where
 * c1 = b1 - a1 b0 and c2 = b2 - a2 b0; s2 is not kept but folded into the next frame's s1:
 *     s1' = (c2x_before + c1 x) - a2_before s1_before - a1 s1,
 * where c2x_before, a2_before and s1_before are the frame before's c2 x, a2 and s1, so that
 * only the last two multiply-adds are on the loops' paths. It is the same filter as the
 * plain form's, also while the coefficients move frame by frame. */
typedef struct {
    double b0, c1, c2, a1, a2;
} coefficients;

typedef struct {
    pk_node node;
    int32_t type;
    int32_t stages;
    coefficients k;
    float frequency, q, gain_db; /* what k was computed from */
    double a2_before;
    /* Each section's state by stage and channel: s1, s1_before and c2x_before (above). */
    double s1[MOST_STAGES][PK_MAX_CHANNELS];
    double s1_before[MOST_STAGES][PK_MAX_CHANNELS];
    double c2x[MOST_STAGES][PK_MAX_CHANNELS];
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
    b0 /= a0, b1 /= a0, b2 /= a0, a1 /= a0, a2 /= a0;
    const coefficients k = {b0, b1 - a1 * b0, b2 - a2 * b0, a1, a2};
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
    memset(f->s1, 0, sizeof f->s1);
    memset(f->s1_before, 0, sizeof f->s1_before);
    memset(f->c2x, 0, sizeof f->c2x);
    f->a2_before = f->k.a2;
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

/* One section over one frame: x in, the section's output returned. p is a2 of the frame
 * before (the a2 that s1_before is multiplied by). Written for doubles and for vectors of
 * them alike. */
#define SECTION(T)                                                                          \
    PK_INLINE T section_##T(const coefficients *k, double p, T *s1, T *s1_before, T *c2x,   \
                            T x)                                                            \
    {                                                                                       \
        const T out = k->b0 * x + *s1;                                                      \
        const T next = *c2x + k->c1 * x - p * *s1_before - k->a1 * *s1;                     \
        *s1_before = *s1, *s1 = next, *c2x = k->c2 * x;                                     \
        return out;                                                                         \
    }

SECTION(double)

/* n frames of channel c (x points at its first sample, `channels` apart) through `stages`
 * sections: a constant where inlined, so that their state stays in registers. */
PK_INLINE void run_channel(biquad *f, float *x, size_t n, size_t channels, size_t c,
                           int stages)
{
    double s1[MOST_STAGES], s1_before[MOST_STAGES], c2x[MOST_STAGES], p = f->a2_before;
    for (int s = 0; s < stages; s++)
        s1[s] = f->s1[s][c], s1_before[s] = f->s1_before[s][c], c2x[s] = f->c2x[s][c];
    for (size_t t = 0; t < n; t++, p = f->k.a2) {
        double v = x[t * channels];
        for (int s = 0; s < stages; s++)
            v = section_double(&f->k, p, &s1[s], &s1_before[s], &c2x[s], v);
        x[t * channels] = (float)v;
    }
    for (int s = 0; s < stages; s++)
        f->s1[s][c] = s1[s], f->s1_before[s][c] = s1_before[s], f->c2x[s][c] = c2x[s];
}

#if PK_VECTORS
typedef double pair __attribute__((vector_size(16)));
SECTION(pair)

/* The same for channels c and c + 1, side by side in a vector. */
PK_INLINE void run_pair(biquad *f, float *x, size_t n, size_t channels, size_t c, int stages)
{
    pair s1[MOST_STAGES], s1_before[MOST_STAGES], c2x[MOST_STAGES];
    double p = f->a2_before;
    for (int s = 0; s < stages; s++) {
        s1[s] = (pair){f->s1[s][c], f->s1[s][c + 1]};
        s1_before[s] = (pair){f->s1_before[s][c], f->s1_before[s][c + 1]};
        c2x[s] = (pair){f->c2x[s][c], f->c2x[s][c + 1]};
    }
    for (size_t t = 0; t < n; t++, p = f->k.a2) {
        pair v = {x[t * channels], x[t * channels + 1]};
        for (int s = 0; s < stages; s++)
            v = section_pair(&f->k, p, &s1[s], &s1_before[s], &c2x[s], v);
        x[t * channels] = (float)v[0], x[t * channels + 1] = (float)v[1];
    }
    for (int s = 0; s < stages; s++) {
        f->s1[s][c] = s1[s][0], f->s1[s][c + 1] = s1[s][1];
        f->s1_before[s][c] = s1_before[s][0], f->s1_before[s][c + 1] = s1_before[s][1];
        f->c2x[s][c] = c2x[s][0], f->c2x[s][c + 1] = c2x[s][1];
    }
}
#endif

PK_INLINE void run_stages(biquad *f, float *x, size_t n, int stages)
{
    const size_t channels = (size_t)f->node.channels;
    size_t c = 0;
#if PK_VECTORS
    for (; c + 2 <= channels; c += 2)
        run_pair(f, x + c, n, channels, c, stages);
#endif
    for (; c < channels; c++)
        run_channel(f, x + c, n, channels, c, stages);
    if (n > 0)
        f->a2_before = f->k.a2;
}

/* n frames through the node's sections with the coefficients f->k. */
PK_INLINE void run(biquad *f, float *x, size_t n)
{
    switch (f->stages) {
    case 1: run_stages(f, x, n, 1); break;
    case 2: run_stages(f, x, n, 2); break;
    case 3: run_stages(f, x, n, 3); break;
    case 4: run_stages(f, x, n, 4); break;
    case 5: run_stages(f, x, n, 5); break;
    case 6: run_stages(f, x, n, 6); break;
    case 7: run_stages(f, x, n, 7); break;
    default: run_stages(f, x, n, MOST_STAGES); break;
    }
}

PK_SIMD static void biquad_process(pk_node *node, float *block, size_t frames, int64_t now,
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
        run(f, block, frames);
        return;
    }
    /* Some move: each frame with its own coefficients (a held one's values[0] serves all). */
    const size_t df = !held_f, dq = !held_q, dg = !held_g;
    for (size_t t = 0; t < frames; t++) {
        update(f, p[FREQUENCY].values[t * df], p[Q].values[t * dq], p[GAIN_DB].values[t * dg]);
        run(f, block + t * channels, 1);
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
