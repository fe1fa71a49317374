/* Float exp, log and tanh for the effects' loops (internal to the kernels).
 *
 * libm's are calls the compiler cannot vectorise (without -ffast-math and libmvec); these are
 * branch-free PK_INLINE functions, so a PK_SIMD loop over them runs 8 or 16 at a time. Each
 * is within 1 ulp of the exact value over its whole domain (checked against double precision
 * for every float, with and without FMA; the tests check samples of it through the effects)
 * and gives one value for one argument wherever in a loop it runs, so block sizes cannot
 * change results.
 *
 * The polynomials are Cephes' (Moshier, "Methods and Programs for Mathematical Functions");
 * the reductions are Cody and Waite's, ln 2 split so that n * LN2_HI is exact. */
#ifndef PKAUDIO_FX_MATH_H
#define PKAUDIO_FX_MATH_H

#include <stdint.h>
#include <string.h>

#include "simd.h"

PK_INLINE uint32_t pk_bits_of(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

PK_INLINE float pk_float_of(uint32_t u)
{
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

#define PK_LN2_HI 0.693359375f
#define PK_LN2_LO -2.12194440e-4f
#define PK_LOG2E 1.44269504088896341f

/* e^x within 1 ulp: infinity from 88.73 on, subnormal (flushed to 0 by the hosts) under
 * -87.34, NaN for NaN. */
PK_INLINE float pk_expf(float x)
{
    /* kept where 2^n below is two normal factors; NaN taken there too, then put back */
    const float y = x > -104.0f ? (x < 89.0f ? x : 89.0f) : -104.0f;
    /* n = round(y log2 e) by the 1.5 * 2^23 trick, r = y - n ln 2 within +-0.35 */
    const float shifter = 12582912.0f;
    const float nf = (y * PK_LOG2E + shifter) - shifter;
    const float r = (y - nf * PK_LN2_HI) - nf * PK_LN2_LO;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    const float e = p * (r * r) + r + 1.0f;
    /* times 2^n as 2^(n/2) 2^(n - n/2), each a normal float, so the product under- or
     * overflows only as e^x itself does */
    const int32_t n = (int32_t)nf, half = n / 2;
    const float s1 = pk_float_of((uint32_t)(half + 127) << 23);
    const float s2 = pk_float_of((uint32_t)(n - half + 127) << 23);
    const float result = e * s1 * s2;
    return x != x ? x : result;
}

/* ln x for x from the smallest normal float (1.2e-38) to infinity; 0 and below, subnormals
 * and NaN are the caller's to keep away (the dynamics clamp their levels to 1e-10 first). */
PK_INLINE float pk_logf(float x)
{
    /* x = m 2^e with m within sqrt(1/2) .. sqrt(2) */
    const uint32_t u = pk_bits_of(x);
    const uint32_t shifted = u - 0x3f3504f3u; /* the bits of sqrt(1/2) */
    const int32_t e = (int32_t)shifted >> 23;
    const float m = pk_float_of(u - ((uint32_t)e << 23));
    const float f = m - 1.0f, z = f * f;
    float p = 7.0376836292e-2f;
    p = p * f - 1.1514610310e-1f;
    p = p * f + 1.1676998740e-1f;
    p = p * f - 1.2420140846e-1f;
    p = p * f + 1.4249322787e-1f;
    p = p * f - 1.6668057665e-1f;
    p = p * f + 2.0000714765e-1f;
    p = p * f - 2.4999993993e-1f;
    p = p * f + 3.3333331174e-1f;
    const float ef = (float)e;
    float y = f * z * p + ef * PK_LN2_LO;
    y = y - 0.5f * z;
    const float result = (f + y) + ef * PK_LN2_HI;
    return x > 3.40282347e38f ? x : result;
}

/* tanh x: odd (-0 too), +-1 at +-infinity, NaN for NaN. Under |x| = 0.625 an odd
 * polynomial; above, 1 - 2 / (e^2|x| + 1), exactly 1 in float from |x| = 9.01 on. */
PK_INLINE float pk_tanhf(float x)
{
    const float a = pk_float_of(pk_bits_of(x) & 0x7fffffffu);
    const float z = a * a;
    float p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    const float small = p * z * a + a;
    const float e = pk_expf(2.0f * (a < 10.0f ? a : 10.0f));
    const float large = 1.0f - 2.0f / (e + 1.0f);
    /* NaN fails the comparison and takes the polynomial, which keeps it NaN */
    const float t = a >= 0.625f ? large : small;
    return pk_float_of(pk_bits_of(t) | (pk_bits_of(x) & 0x80000000u));
}

#endif
