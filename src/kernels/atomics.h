/* Acquire loads and release stores of 64-bit counts (internal to the kernels). */
#ifndef PKAUDIO_ATOMICS_H
#define PKAUDIO_ATOMICS_H

#include <stdint.h>

#if defined(_MSC_VER) && !defined(__clang__)
#if !defined(_M_X64)
#error "pkaudio's atomics with MSVC rely on x64's ordering; build with clang-cl elsewhere"
#endif
#include <intrin.h>
/* x64: aligned 64-bit accesses are atomic and the hardware keeps loads and stores in order;
 * the barriers stop the compiler from moving accesses across them. */
static __forceinline uint64_t pk_load_acquire(const uint64_t *p)
{
    uint64_t v = *(const volatile uint64_t *)p;
    _ReadWriteBarrier();
    return v;
}
static __forceinline void pk_store_release(uint64_t *p, uint64_t v)
{
    _ReadWriteBarrier();
    *(volatile uint64_t *)p = v;
}
#else
#define pk_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define pk_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#endif

/* Add to a counter only this thread writes, for others to read: a plain read, then a release
 * store. */
static inline void pk_count(uint64_t *counter, uint64_t n)
{
    pk_store_release(counter, *counter + n);
}

#endif
