/* Convolution with an impulse response (fx_convolution.h), partitioned non-uniformly in the
 * frequency domain (Gardner's scheme, with Garcia's uniform groups).
 *
 * The response is cut into groups ("levels") of partitions: level 0 has partitions of P
 * frames (the partition setting), each later level partitions four times as long. Each level
 * is a uniformly partitioned overlap-save convolution of its own: every N of its frames the
 * last 2N input frames are transformed (FFT size 2N) into a ring of the level's latest input
 * spectra (its frequency-domain delay line), the sum of its partitions' spectra times the
 * input spectra of as many jobs ago is transformed back, and the second half is the level's
 * share of N output frames.
 *
 * Level 0 works at each P-frame boundary and its share is the next P frames: the output is
 * one partition late, the node's latency. A level of N > P frames has until N - P frames
 * later to finish (its share is played from then on), so its work is cut into steps (FFT
 * passes and products of spectra, each O(N)) spread evenly over its N / P boundaries, and
 * no boundary does much more work than another. The delay lets level l cover the response
 * from 2 (N_l - P) on: level 0 [0, 6P), level 1 [6P, 30P), and so on, six partitions a
 * level, the last one as many as the rest of the response needs (its size at most
 * MOST_LEVEL). The work per frame grows with the logarithm of the response's length, not
 * with its length.
 *
 * Everything happens at P-frame boundaries of the stream, counted from reset, so the output
 * is the same however the host cuts it into blocks. `mix` is the wet share, the dry signal
 * delayed to line up. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fft.h"
#include "fx_convolution.h"
#include "simd.h"

enum { MIX, PARTITION };

#define LEAST_PARTITION 16
#define MOST_PARTITION 16384
#define MOST_LEVEL 16384 /* or the partition, if longer */
#define MOST_LEVELS 16
#define GROWTH 4         /* from one level's partitions to the next's */
#define PER_LEVEL 6      /* (2 (GROWTH N - P) - 2 (N - P)) / N partitions, but the last */

static const pk_param_info params[] = {
    {"mix", 1.0f, 0.0f, 1.0f, 0},
    {"partition", 256.0f, LEAST_PARTITION, MOST_PARTITION, PK_PARAM_SETTING},
};

typedef struct {
    size_t size;               /* N, frames a partition */
    size_t count;              /* K, partitions */
    size_t slots;              /* N / P: the boundaries a job is spread over */
    size_t ffts;               /* steps of one transform */
    size_t steps;              /* of a job: channels x (2 transforms + K products) */
    size_t stride;             /* floats from a spectrum's real parts to its imaginary ones;
                                * 2 * stride from one spectrum to the next */
    pk_fft_plan *fft;
    float *spectra;            /* responses x K spectra of the partitions, scaled by 1 / 2N */
    float *history;            /* channels x K input spectra, a ring: slot `head` the latest */
    float *sum;                /* one spectrum */
    float *time;               /* 2N */
    size_t head;
    int64_t start;             /* the frame at which the running job's input ends */
} level;

typedef struct {
    pk_node node;
    const float *ir;           /* as given to pk_convolution_use; read by prepare only */
    int64_t ir_frames;
    int32_t ir_channels;
    int32_t responses;         /* spectra sets: 1 (shared by every channel) or channels */
    size_t size;               /* P */
    size_t levels;
    level level[MOST_LEVELS];
    size_t span;               /* L: frames of input kept, a power of two */
    float *input;              /* channels x 2L: the last L frames, written twice, at frame % L
                                * and L + frame % L, so that any L in a row are contiguous */
    size_t reach;              /* W: frames of wet output ahead, a power of two */
    float *wet;                /* channels x W: the levels' shares summed, at frame % W */
    int64_t frame;             /* frames in since reset */
} convolution;

void pk_convolution_use(pk_node *node, const float *ir, int64_t frames, int32_t channels)
{
    convolution *v = (convolution *)node;
    v->ir = ir, v->ir_frames = frames, v->ir_channels = channels;
}

static void convolution_release(pk_node *node)
{
    convolution *v = (convolution *)node;
    for (size_t l = 0; l < MOST_LEVELS; l++) {
        level *e = &v->level[l];
        pk_fft_plan_free(e->fft);
        free(e->spectra);
        free(e->history);
        free(e->sum);
        free(e->time);
        memset(e, 0, sizeof *e);
    }
    free(v->input);
    free(v->wet);
    v->input = v->wet = NULL;
    v->levels = 0;
}

static void convolution_reset(pk_node *node)
{
    convolution *v = (convolution *)node;
    const size_t channels = (size_t)node->channels;
    for (size_t l = 0; l < v->levels; l++) {
        level *e = &v->level[l];
        memset(e->history, 0, channels * e->count * 2 * e->stride * sizeof(float));
        e->head = 0;
        e->start = -1;         /* no job running */
    }
    memset(v->input, 0, channels * 2 * v->span * sizeof(float));
    memset(v->wet, 0, channels * v->reach * sizeof(float));
    v->frame = 0;
}

/* Level sizes and counts for a response of `frames` frames and partition P. */
static size_t plan_levels(convolution *v, size_t frames)
{
    const size_t p = v->size;
    size_t begin = 0, size = p, l = 0;
    for (;; l++) {
        level *e = &v->level[l];
        e->size = size;
        const size_t next = GROWTH * size, next_begin = 2 * (next - p);
        if (frames <= next_begin || next > MOST_LEVEL || l + 1 == MOST_LEVELS) {
            e->count = (frames - begin + size - 1) / size;
            return l + 1;
        }
        e->count = (next_begin - begin) / size;
        begin = next_begin, size = next;
    }
}

static int convolution_prepare(pk_node *node, double samplerate, int32_t channels)
{
    (void)samplerate;
    convolution *v = (convolution *)node;
    static const float unit = 1.0f;
    const float *ir = v->ir;
    int64_t frames = v->ir_frames;
    int32_t ir_channels = v->ir_channels;
    if (!ir || frames < 1 || ir_channels < 1)
        ir = &unit, frames = 1, ir_channels = 1;
    if (ir_channels != 1 && ir_channels != channels)
        return PK_NODE_BAD_SETUP;
    size_t p = LEAST_PARTITION;
    while (p < (size_t)pk_param_setting(&node->params[PARTITION]) && p < MOST_PARTITION)
        p *= 2;
    v->size = p;
    v->responses = ir_channels;
    v->levels = plan_levels(v, (size_t)frames);
    const size_t largest = v->level[v->levels - 1].size;
    /* A job's first step may run N - P frames after its input ends, and reads 2N frames
     * back from there; a job's share ends 2N - P frames after its input does. */
    v->span = 4 * largest;
    v->reach = 2 * largest;
    v->input = calloc((size_t)channels * 2 * v->span, sizeof(float));
    v->wet = calloc((size_t)channels * v->reach, sizeof(float));
    int fail = !v->input || !v->wet;
    size_t begin = 0;
    for (size_t l = 0; l < v->levels && !fail; l++) {
        level *e = &v->level[l];
        const size_t n = e->size, spectrum = 2 * ((n + 1 + 15) & ~(size_t)15);
        e->stride = spectrum / 2;
        e->slots = n / p;
        e->fft = pk_fft_plan_new(2 * n);
        e->spectra = calloc((size_t)ir_channels * e->count * spectrum, sizeof(float));
        e->history = calloc((size_t)channels * e->count * spectrum, sizeof(float));
        e->sum = calloc(spectrum, sizeof(float));
        e->time = calloc(2 * n, sizeof(float));
        if (!e->fft || !e->spectra || !e->history || !e->sum || !e->time) {
            fail = 1;
            break;
        }
        e->ffts = pk_fft_steps(e->fft);
        e->steps = (size_t)channels * (2 * e->ffts + e->count);
        const float scale = 1.0f / (float)(2 * n);
        for (int32_t r = 0; r < ir_channels; r++)
            for (size_t j = 0; j < e->count; j++) {
                memset(e->time, 0, 2 * n * sizeof(float));
                const size_t from = begin + j * n;
                for (size_t t = 0; t < n && (int64_t)(from + t) < frames; t++)
                    e->time[t] = ir[(from + t) * (size_t)ir_channels + (size_t)r] * scale;
                float *s = e->spectra + ((size_t)r * e->count + j) * spectrum;
                pk_fft_forward(e->fft, e->time, s, s + e->stride);
            }
        begin += e->count * n;
    }
    if (fail) {
        convolution_release(node);
        return PK_NODE_NO_MEMORY;
    }
    node->latency = (int64_t)p;
    node->tail = frames - 1;
    convolution_reset(node);
    return 0;
}

/* sum (+)= x h over `bins` bins (a multiple of 16), split spectra. */
PK_SIMD static void multiply(float *restrict sum_re, float *restrict sum_im,
                             const float *restrict xr, const float *restrict xi,
                             const float *restrict hr, const float *restrict hi, size_t bins,
                             int add)
{
    if (add)
        for (size_t k = 0; k < bins; k++) {
            sum_re[k] += xr[k] * hr[k] - xi[k] * hi[k];
            sum_im[k] += xr[k] * hi[k] + xi[k] * hr[k];
        }
    else
        for (size_t k = 0; k < bins; k++) {
            sum_re[k] = xr[k] * hr[k] - xi[k] * hi[k];
            sum_im[k] = xr[k] * hi[k] + xi[k] * hr[k];
        }
}

/* Step `step` of level e's running job, whose input ends at frame e->start. */
static void run_step(convolution *v, level *e, size_t step)
{
    const size_t n = e->size, per_channel = 2 * e->ffts + e->count;
    const size_t c = step / per_channel, spectrum = 2 * e->stride;
    size_t s = step % per_channel;
    float *ring = e->history + c * e->count * spectrum;
    float *latest = ring + e->head * spectrum;
    if (s < e->ffts) {
        const size_t at = (size_t)(e->start - (int64_t)(2 * n)) & (v->span - 1);
        pk_fft_forward_step(e->fft, s, v->input + c * 2 * v->span + at, latest,
                            latest + e->stride);
        return;
    }
    s -= e->ffts;
    if (s < e->count) {
        const size_t j = s, slot = e->head >= j ? e->head - j : e->head + e->count - j;
        const float *x = ring + slot * spectrum;
        const float *h = e->spectra + ((v->responses == 1 ? 0 : c) * e->count + j) * spectrum;
        multiply(e->sum, e->sum + e->stride, x, x + e->stride, h, h + e->stride, e->stride,
                 j > 0);
        return;
    }
    s -= e->count;
    pk_fft_inverse_step(e->fft, s, e->sum, e->sum + e->stride, e->time);
    if (s + 1 < e->ffts)
        return;
    /* The second half is the convolution of the N frames before `start`, played 2N - P
     * frames later. */
    const size_t w = v->reach, first = (size_t)(e->start + (int64_t)(n - v->size)) & (w - 1);
    const size_t before_wrap = w - first < n ? w - first : n;
    float *wet = v->wet + c * w;
    const float *share = e->time + n;
    for (size_t t = 0; t < before_wrap; t++)
        wet[first + t] += share[t];
    for (size_t t = before_wrap; t < n; t++)
        wet[t - before_wrap] += share[t];
}

/* At a P-frame boundary (v->frame frames in): each level's share of this boundary's work. */
static void boundary(convolution *v)
{
    const size_t clock = (size_t)(v->frame / (int64_t)v->size);
    for (size_t l = 0; l < v->levels; l++) {
        level *e = &v->level[l];
        const size_t slot = clock % e->slots;
        if (slot == 0) {
            e->start = v->frame;
            e->head = e->head + 1 == e->count ? 0 : e->head + 1;
        } else if (e->start < 0) {
            continue;          /* the first job starts at the level's first boundary */
        }
        const size_t from = slot * e->steps / e->slots, to = (slot + 1) * e->steps / e->slots;
        for (size_t step = from; step < to; step++)
            run_step(v, e, step);
    }
}

static void convolution_process(pk_node *node, float *block, size_t frames, int64_t now,
                                pk_node_context *context)
{
    (void)context;
    convolution *v = (convolution *)node;
    const size_t channels = (size_t)node->channels, p = v->size, l = v->span, w = v->reach;
    pk_param *mix = &node->params[MIX];
    const int held = pk_param_run(mix, now, frames);
    const size_t step = !held;
    for (size_t done = 0; done < frames;) {
        const size_t fill = (size_t)(v->frame % (int64_t)p);
        const size_t n = frames - done < p - fill ? frames - done : p - fill;
        const size_t at = (size_t)v->frame & (l - 1);
        const size_t dry_at = (size_t)(v->frame - (int64_t)p) & (l - 1);
        const size_t wet_at = (size_t)v->frame & (w - 1);
        for (size_t c = 0; c < channels; c++) {
            float *in = v->input + c * 2 * l + at, *mirror = in + l;
            const float *dry = v->input + c * 2 * l + dry_at;
            float *wet = v->wet + c * w + wet_at;
            float *x = block + done * channels + c;
            const float *m = mix->values + done * step;
            for (size_t t = 0; t < n; t++) {
                in[t] = mirror[t] = x[t * channels];
                x[t * channels] = (1.0f - m[t * step]) * dry[t] + m[t * step] * wet[t];
                wet[t] = 0.0f;
            }
        }
        done += n;
        v->frame += (int64_t)n;
        if (fill + n == p)
            boundary(v);
    }
}

const pk_node_class pk_convolution_class = {
    PK_NODE_ABI,         "convolution",     sizeof(convolution), 2, params, convolution_prepare,
    convolution_process, convolution_reset, convolution_release};
