/* Compiler helpers shared by the kernel sources (internal; not part of the kernels' API). */
#ifndef PKAUDIO_SIMD_H
#define PKAUDIO_SIMD_H

/* SIMD without -march=native: on x86-64 Linux with GCC (glibc's ifunc), each PK_SIMD function is
 * compiled for x86-64-v4 (AVX-512), x86-64-v3 (AVX2 with FMA) and the baseline, and the loader
 * picks one for the CPU it runs on. A build with -DPKAUDIO_NATIVE=ON compiles for the build
 * machine instead and needs no clones. */
#if !defined(PKAUDIO_NATIVE) && defined(__x86_64__) && defined(__GLIBC__) && \
    defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
#define PK_SIMD __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
#ifndef PK_SIMD
#define PK_SIMD
#endif

/* Before a loop whose iterations are independent even when `out` is the input itself (the
 * kernels allow exact aliasing): vectorise it without a run-time overlap check, which would
 * otherwise send in-place calls down the scalar path. */
#if defined(__clang__)
#define PK_IVDEP _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define PK_IVDEP _Pragma("GCC ivdep")
#elif defined(_MSC_VER)
#define PK_IVDEP __pragma(loop(ivdep))
#else
#define PK_IVDEP
#endif

/* Helpers of PK_SIMD functions must be inlined into each clone to be compiled for its target. */
#if defined(__GNUC__)
#define PK_INLINE static inline __attribute__((always_inline))
#else
#define PK_INLINE static inline
#endif

/* GCC's and Clang's vector types: loops written with them compile to the same SIMD code at
 * every optimisation level and target, where auto-vectorisation is a heuristic's choice. */
#ifndef PK_VECTORS /* -DPK_VECTORS=0 builds the plain-C fallback, as MSVC does */
#if defined(__GNUC__)
#define PK_VECTORS 1
#else
#define PK_VECTORS 0
#endif
#endif

/* Declares c0 .. c3, the Catmull-Rom weights of the four samples around a point w
 * (0 <= w < 1) past the second (scalars, so a loop using them can vectorise). */
#define PK_CATMULL_ROM(T, w, c0, c1, c2, c3)                                                 \
    const T c0##_w = (w), c0##_w2 = c0##_w * c0##_w, c0##_w3 = c0##_w2 * c0##_w;             \
    const T c0 = (T)0.5 * (-c0##_w3 + 2 * c0##_w2 - c0##_w);                                 \
    const T c1 = (T)0.5 * (3 * c0##_w3 - 5 * c0##_w2 + 2);                                   \
    const T c2 = (T)0.5 * (-3 * c0##_w3 + 4 * c0##_w2 + c0##_w);                             \
    const T c3 = (T)0.5 * (c0##_w3 - c0##_w2)

/* Hosts of nodes run them with denormal numbers flushed to zero (feedback loops decaying
 * into denormals would otherwise cost a hundred times more), restoring the caller's mode. */
#if defined(__SSE__) || defined(_M_X64)
#include <xmmintrin.h>
typedef unsigned int pk_float_mode;
static inline pk_float_mode pk_flush_denormals(void)
{
    const pk_float_mode mode = _mm_getcsr();
    _mm_setcsr(mode | 0x8040); /* flush to zero, denormals are zero */
    return mode;
}
static inline void pk_restore_float_mode(pk_float_mode mode)
{
    _mm_setcsr(mode);
}
#elif defined(__aarch64__)
typedef unsigned long pk_float_mode;
static inline pk_float_mode pk_flush_denormals(void)
{
    pk_float_mode mode;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(mode));
    __asm__ __volatile__("msr fpcr, %0" : : "r"(mode | (1UL << 24)));
    return mode;
}
static inline void pk_restore_float_mode(pk_float_mode mode)
{
    __asm__ __volatile__("msr fpcr, %0" : : "r"(mode));
}
#else
typedef int pk_float_mode;
static inline pk_float_mode pk_flush_denormals(void)
{
    return 0;
}
static inline void pk_restore_float_mode(pk_float_mode mode)
{
    (void)mode;
}
#endif

#define PK_CAT_(a, b) a##b
#define PK_CAT(a, b) PK_CAT_(a, b)

#endif
