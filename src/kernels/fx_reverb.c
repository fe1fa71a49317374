/* A feedback delay network reverb (Jot and Chaigne; Stautner and Puckette): 8 or 16 delay
 * lines of mutually prime lengths (distinct primes, spread geometrically over a range set by
 * `size`), fed back through an orthogonal matrix (Householder: I - 2/N 11^T; or Hadamard,
 * scaled by 1/sqrt N), so that the loop's only losses are the per-line gains. A line of L
 * frames has gain g = 10^(-3 L / (decay fs)): every path loses 60 dB per `decay` seconds, so
 * every mode of the network rings for `decay` (the RT60) alike. Each line's gain is followed
 * by a one-pole low-pass (`damping`) whose DC gain is 1 and whose gain at the Nyquist frequency
 * makes the highest frequencies' RT60 decay x (1 - damping) (at least 1% of decay).
 *
 * Channels: the input's channels are averaged into one signal, delayed by `predelay`, and fed
 * to the lines with the signs of one row of the Hadamard matrix; output channel c takes the
 * lines with the signs of row 1 + c mod (N - 1), rows orthogonal to each other, so that
 * channels up to N - 1 apart are decorrelated (channel c and c + N - 1 are alike). `mix` is
 * the wet share: out = (1 - mix) in + mix wet. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "node.h"

#define MOST_LINES 16

enum { DECAY, DAMPING, MIX, SIZE, PREDELAY, LINES, MATRIX };
enum { HOUSEHOLDER, HADAMARD };

static const pk_param_info params[] = {
    {"decay", 1.5f, 0.05f, 100.0f, 0},
    {"damping", 0.3f, 0.0f, 1.0f, 0},
    {"mix", 0.3f, 0.0f, 1.0f, 0},
    {"size", 0.5f, 0.0f, 1.0f, PK_PARAM_SETTING},
    {"predelay", 0.0f, 0.0f, 2.0f, PK_PARAM_SETTING},
    {"lines", 8.0f, 8.0f, 16.0f, PK_PARAM_SETTING},
    {"matrix", HOUSEHOLDER, HOUSEHOLDER, HADAMARD, PK_PARAM_SETTING},
};

typedef struct {
    pk_node node;
    int32_t lines;
    int32_t matrix;
    int64_t length[MOST_LINES];      /* frames */
    float *line[MOST_LINES];         /* into `memory` */
    int64_t position[MOST_LINES];
    float gain[MOST_LINES];          /* g for decay */
    float pole[MOST_LINES];          /* the low-pass's pole for damping */
    float state[MOST_LINES];         /* the low-passes' outputs */
    float in_sign[MOST_LINES];       /* scaled by 1 / sqrt N */
    float out_sign[PK_MAX_CHANNELS][MOST_LINES];
    float decay, damping;            /* what gain and pole were computed from */
    float *memory;
    float *predelay;                 /* `delay` frames, a ring */
    int64_t delay;
    int64_t delay_position;
} reverb;

static int is_prime(int64_t n)
{
    if (n < 2)
        return 0;
    for (int64_t d = 2; d * d <= n; d++)
        if (n % d == 0)
            return 0;
    return 1;
}

/* The entry of the Sylvester-Hadamard matrix at row r, column c: (-1)^(bits of r & c). */
static float hadamard_sign(int r, int c)
{
    int odd = 0;
    for (unsigned bits = (unsigned)(r & c); bits; bits >>= 1)
        odd ^= (int)(bits & 1u);
    return odd ? -1.0f : 1.0f;
}

static void update(reverb *r, float decay, float damping)
{
    if (decay == r->decay && damping == r->damping)
        return;
    const double fs = r->node.samplerate;
    const double bright = fmax(1.0 - (double)damping, 0.01);
    for (int32_t i = 0; i < r->lines; i++) {
        const double frames = (double)r->length[i];
        r->gain[i] = (float)pow(10.0, -3.0 * frames / ((double)decay * fs));
        /* The low-pass's gain at Nyquist, (1 - p) / (1 + p), is the extra loss that brings the
         * line's RT60 there down to decay x bright. */
        const double q = pow(10.0, -3.0 * frames / fs * (1.0 / (decay * bright) - 1.0 / decay));
        r->pole[i] = (float)((1.0 - q) / (1.0 + q));
    }
    r->decay = decay, r->damping = damping;
}

static void reverb_release(pk_node *node)
{
    reverb *r = (reverb *)node;
    free(r->memory);
    r->memory = r->predelay = NULL;
}

static void reverb_reset(pk_node *node)
{
    reverb *r = (reverb *)node;
    for (int32_t i = 0; i < r->lines; i++) {
        memset(r->line[i], 0, (size_t)r->length[i] * sizeof(float));
        r->position[i] = 0;
        r->state[i] = 0.0f;
    }
    if (r->delay)
        memset(r->predelay, 0, (size_t)r->delay * sizeof(float));
    r->delay_position = 0;
}

static int reverb_prepare(pk_node *node, double samplerate, int32_t channels)
{
    reverb *r = (reverb *)node;
    const pk_param *p = node->params;
    r->lines = pk_param_setting(&p[LINES]) > 12.0f ? 16 : 8;
    r->matrix = pk_param_setting(&p[MATRIX]) > 0.5f ? HADAMARD : HOUSEHOLDER;
    const double size = pk_param_setting(&p[SIZE]);
    /* The shortest line 5 .. 40 ms, the longest 3 times as long. */
    const double shortest = samplerate * (0.005 + 0.035 * size), spread = 3.0;
    int64_t total = 0, last = 0;
    for (int32_t i = 0; i < r->lines; i++) {
        int64_t n = (int64_t)llround(shortest * pow(spread, (double)i / (r->lines - 1)));
        if (n <= last)
            n = last + 1;
        while (!is_prime(n))
            n++;
        r->length[i] = last = n;
        total += n;
    }
    r->delay = (int64_t)llround(pk_param_setting(&p[PREDELAY]) * samplerate);
    r->memory = malloc((size_t)(total + r->delay) * sizeof(float));
    if (!r->memory)
        return PK_NODE_NO_MEMORY;
    float *at = r->memory;
    for (int32_t i = 0; i < r->lines; i++)
        r->line[i] = at, at += r->length[i];
    r->predelay = at;
    const float scale = 1.0f / sqrtf((float)r->lines);
    for (int32_t i = 0; i < r->lines; i++) {
        r->in_sign[i] = hadamard_sign(r->lines - 1, i) * scale;
        for (int32_t c = 0; c < channels; c++)
            r->out_sign[c][i] = hadamard_sign(1 + c % (r->lines - 1), i) * scale;
    }
    r->decay = -1.0f;
    const float decay = pk_param_setting(&p[DECAY]);
    update(r, decay, pk_param_setting(&p[DAMPING]));
    node->latency = 0;
    /* Until 120 dB down. */
    node->tail =
        r->delay + r->length[r->lines - 1] + (int64_t)llround(2.0 * decay * samplerate);
    reverb_reset(node);
    return 0;
}

/* One frame of the network: `in` enters, the lines' outputs (damped) come back in `s`. */
static inline void step(reverb *r, float in, float *s)
{
    const int32_t n = r->lines;
    float f[MOST_LINES];
    for (int32_t i = 0; i < n; i++) {
        const float o = r->line[i][r->position[i]] * r->gain[i];
        s[i] = r->state[i] = o + r->pole[i] * (r->state[i] - o);
        f[i] = s[i];
    }
    if (r->matrix == HOUSEHOLDER) {
        float sum = 0.0f;
        for (int32_t i = 0; i < n; i++)
            sum += f[i];
        sum *= 2.0f / (float)n;
        for (int32_t i = 0; i < n; i++)
            f[i] -= sum;
    } else {
        for (int32_t h = 1; h < n; h *= 2)
            for (int32_t i = 0; i < n; i += 2 * h)
                for (int32_t j = i; j < i + h; j++) {
                    const float a = f[j], b = f[j + h];
                    f[j] = a + b, f[j + h] = a - b;
                }
        const float scale = 1.0f / sqrtf((float)n);
        for (int32_t i = 0; i < n; i++)
            f[i] *= scale;
    }
    for (int32_t i = 0; i < n; i++) {
        r->line[i][r->position[i]] = f[i] + r->in_sign[i] * in;
        if (++r->position[i] == r->length[i])
            r->position[i] = 0;
    }
}

static void reverb_process(pk_node *node, float *block, size_t frames, int64_t now,
                           pk_node_context *context)
{
    (void)context;
    reverb *r = (reverb *)node;
    const size_t channels = (size_t)node->channels;
    pk_param *p = node->params;
    const int held_decay = pk_param_run(&p[DECAY], now, frames);
    const int held_damping = pk_param_run(&p[DAMPING], now, frames);
    const int held_mix = pk_param_run(&p[MIX], now, frames);
    const size_t dd = !held_decay, dp = !held_damping, dm = !held_mix;
    const float average = 1.0f / (float)channels;
    const int32_t n = r->lines;
    float s[MOST_LINES];
    for (size_t t = 0; t < frames; t++) {
        update(r, p[DECAY].values[t * dd], p[DAMPING].values[t * dp]);
        float *x = block + t * channels;
        float in = 0.0f;
        for (size_t c = 0; c < channels; c++)
            in += x[c];
        in *= average;
        if (r->delay) {
            float *slot = r->predelay + r->delay_position;
            const float delayed = *slot;
            *slot = in;
            in = delayed;
            if (++r->delay_position == r->delay)
                r->delay_position = 0;
        }
        step(r, in, s);
        const float m = p[MIX].values[t * dm];
        for (size_t c = 0; c < channels; c++) {
            float wet = 0.0f;
            for (int32_t i = 0; i < n; i++)
                wet += r->out_sign[c][i] * s[i];
            x[c] = (1.0f - m) * x[c] + m * wet;
        }
    }
}

const pk_node_class pk_reverb_class = {PK_NODE_ABI,    "reverb",     sizeof(reverb),
                                       7,              params,       reverb_prepare,
                                       reverb_process, reverb_reset, reverb_release};
