/* Ladder: a Moog-style 4-pole low-pass, four one-pole low-passes in series with the output fed
 * back negatively, in Zavalishin's zero-delay-feedback form ("The Art of VA Filter Design",
 * the ladder filter chapter): each pole a trapezoidal integrator, the feedback loop solved
 * for the frame itself rather than a frame late, so the response follows the analog one
 * (bilinear, prewarped at the cutoff) and moves cleanly under fast modulation.
 *
 * With g = tan(pi f / fs), G = g / (1 + g) each pole's instantaneous gain, and s_i the
 * integrators' states, the fourth pole's output is y4 = G^4 u + S with
 * S = (G^3 s1 + G^2 s2 + G s3 + s4) / (1 + g). The loop's input u = x - k y4 then solves to
 * u = (x - k S) / (1 + k G^4). Saturation: u passes through tanh(drive u) / drive (unity for
 * small signals), which bounds the loop, the cheap approach Zavalishin describes (the
 * nonlinearity applied to the solved linear value, with no iteration).
 *
 * Linear, it is H(s) = 1 / ((1 + s)^4 + k), s in units of 2 pi f, k = K_MOST * resonance.
 * The analog loop is on the edge of oscillation at k = 4; K_MOST is a little more, so that
 * near resonance 1 the filter self-oscillates at its cutoff, its level held by the tanh. */
#include <math.h>
#include <string.h>

#include "node.h"

#define K_MOST 4.2

enum { FREQUENCY, RESONANCE, DRIVE };

static const pk_param_info params[] = {
    {"frequency", 1000.0f, 1.0f, 1e6f, 0},
    {"resonance", 0.0f, 0.0f, 1.0f, 0},
    {"drive", 1.0f, 0.25f, 100.0f, 0},
};

typedef struct {
    float G, beta, k, solve; /* solve: 1 / (1 + k G^4) */
} coefficients;

typedef struct {
    pk_node node;
    coefficients c;
    float frequency, resonance; /* what c was computed from */
    float s[PK_MAX_CHANNELS][4];
} ladder;

static double warped(double frequency, double samplerate)
{
    const double nyquist = 0.5 * samplerate;
    if (frequency > 0.9999 * nyquist)
        frequency = 0.9999 * nyquist;
    return tan(M_PI * frequency / samplerate);
}

static void update(ladder *f, float frequency, float resonance)
{
    if (frequency == f->frequency && resonance == f->resonance)
        return;
    const double g = warped(frequency, f->node.samplerate), G = g / (1.0 + g);
    const double k = K_MOST * resonance;
    const coefficients c = {(float)G, (float)(1.0 / (1.0 + g)), (float)k,
                            (float)(1.0 / (1.0 + k * G * G * G * G))};
    f->c = c;
    f->frequency = frequency, f->resonance = resonance;
}

static void ladder_reset(pk_node *node)
{
    ladder *f = (ladder *)node;
    memset(f->s, 0, sizeof f->s);
}

/* Frames until the linear response has decayed by 120 dB, from its poles: analog
 * (1 + s)^4 = -k, mapped by z = (1 + g s) / (1 - g s); 10 s when it would not decay (it
 * oscillates). */
static int64_t tail(double samplerate, double frequency, double resonance)
{
    const double g = warped(frequency, samplerate), k = K_MOST * resonance;
    const double r = pow(k, 0.25);
    double radius = 0.0;
    for (int n = 0; n < 4; n++) {
        const double angle = M_PI * (0.25 + 0.5 * n);
        const double re = g * (-1.0 + r * cos(angle)), im = g * r * sin(angle);
        radius = fmax(radius, sqrt(((1.0 + re) * (1.0 + re) + im * im) /
                                   ((1.0 - re) * (1.0 - re) + im * im)));
    }
    if (radius >= 1.0)
        return (int64_t)(10.0 * samplerate);
    if (radius <= 0.0)
        return 4;
    /* (at most as long as when it would not decay: near self-oscillation, or a pole next to
     * z = -1, it would ask for hours) */
    return (int64_t)fmin(ceil(-6.0 * log(10.0) / log(radius)) + 4.0, 10.0 * samplerate);
}

static int ladder_prepare(pk_node *node, double samplerate, int32_t channels)
{
    (void)channels;
    ladder *f = (ladder *)node;
    f->frequency = -1.0f;
    const float frequency = pk_param_setting(&node->params[FREQUENCY]);
    const float resonance = pk_param_setting(&node->params[RESONANCE]);
    update(f, frequency, resonance);
    node->latency = 0;
    node->tail = tail(samplerate, frequency, resonance);
    ladder_reset(node);
    return 0;
}

/* One trapezoidal one-pole low-pass: its output, its state moved on. */
static inline float pole(float G, float *s, float x)
{
    const float v = (x - *s) * G;
    const float y = v + *s;
    *s = y + v;
    return y;
}

static inline float tick(const coefficients *c, float drive, float s[4], float x)
{
    const float G = c->G;
    const float S = (((G * s[0] + s[1]) * G + s[2]) * G + s[3]) * c->beta;
    float u = (x - c->k * S) * c->solve;
    u = tanhf(drive * u) / drive;
    const float y1 = pole(G, &s[0], u);
    const float y2 = pole(G, &s[1], y1);
    const float y3 = pole(G, &s[2], y2);
    return pole(G, &s[3], y3);
}

static void ladder_process(pk_node *node, float *block, size_t frames, int64_t now,
                           pk_node_context *context)
{
    (void)context;
    ladder *f = (ladder *)node;
    const size_t channels = (size_t)node->channels;
    pk_param *p = node->params;
    const int held_f = pk_param_run(&p[FREQUENCY], now, frames);
    const int held_r = pk_param_run(&p[RESONANCE], now, frames);
    const int held_d = pk_param_run(&p[DRIVE], now, frames);
    if (held_f && held_r && held_d) {
        update(f, p[FREQUENCY].values[0], p[RESONANCE].values[0]);
        const coefficients c = f->c;
        const float drive = p[DRIVE].values[0];
        for (size_t ch = 0; ch < channels; ch++)
            for (size_t t = 0; t < frames; t++)
                block[t * channels + ch] = tick(&c, drive, f->s[ch], block[t * channels + ch]);
        return;
    }
    const size_t df = !held_f, dr = !held_r, dd = !held_d;
    for (size_t t = 0; t < frames; t++) {
        update(f, p[FREQUENCY].values[t * df], p[RESONANCE].values[t * dr]);
        const float drive = p[DRIVE].values[t * dd];
        for (size_t ch = 0; ch < channels; ch++)
            block[t * channels + ch] = tick(&f->c, drive, f->s[ch], block[t * channels + ch]);
    }
}

const pk_node_class pk_ladder_class = {PK_NODE_ABI,    "ladder",       sizeof(ladder), 3,
                                       params,         ladder_prepare, ladder_process,
                                       ladder_reset,   NULL};
