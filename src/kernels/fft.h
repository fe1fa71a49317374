/* A real FFT of a power-of-two size, float32, for the convolution node.
 *
 * A plan holds the twiddles and the bit-reversal order for one size, and the scratch the
 * transforms use: make it off the audio thread (pk_fft_plan_new allocates); the transforms
 * themselves never allocate, lock or wait, so the audio thread may run them, one thread per
 * plan at a time.
 *
 * The n real samples become the n/2 + 1 bins 0 .. n/2 of the discrete Fourier transform
 * X[k] = sum_t x[t] e^(-2 pi i k t / n), as numpy.fft.rfft gives them, real and imaginary
 * parts in separate arrays (split form, so that products of spectra vectorise). The inverse is
 * unnormalised, as FFTW's is: inverse(forward(x)) is n x.
 */
#ifndef PKAUDIO_FFT_H
#define PKAUDIO_FFT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pk_fft_plan pk_fft_plan;

/* A plan for size n, a power of two >= 4; NULL if n is not one or there is no memory. */
pk_fft_plan *pk_fft_plan_new(size_t n);
void pk_fft_plan_free(pk_fft_plan *plan);
size_t pk_fft_size(const pk_fft_plan *plan);

/* n samples of x into re and im, n/2 + 1 each (im[0] and im[n/2] are 0). */
void pk_fft_forward(pk_fft_plan *plan, const float *x, float *re, float *im);

/* The n samples whose spectrum is re, im (n/2 + 1 each; the imaginary parts of bins 0 and
 * n/2 are ignored), times n. x may not overlap re or im. */
void pk_fft_inverse(pk_fft_plan *plan, const float *re, const float *im, float *x);

/* The same transforms in steps, so that a caller can spread one over several calls (the
 * convolution's long partitions do, to keep every block's work alike): pk_fft_steps of
 * them, each about n/2 butterflies' work, to be run in order 0, 1, .. with the same
 * arguments and no other transform of the plan in between. Running them all is exactly
 * pk_fft_forward (pk_fft_inverse); x is read in the first step of a forward transform only
 * and written in the last step of an inverse one. */
size_t pk_fft_steps(const pk_fft_plan *plan);
void pk_fft_forward_step(pk_fft_plan *plan, size_t step, const float *x, float *re, float *im);
void pk_fft_inverse_step(pk_fft_plan *plan, size_t step, const float *re, const float *im,
                         float *x);

#ifdef __cplusplus
}
#endif

#endif
