/* The clocks the kernels read (internal to them): the system's monotonic clock, or a virtual
 * one, whose time is a number in memory that the thread calling the callbacks sets. */
#ifndef PKAUDIO_CLOCK_H
#define PKAUDIO_CLOCK_H

#include <stdint.h>
#ifdef _WIN32
#include <windows.h>
#else
#include <time.h>
#endif

/* The system's monotonic clock, in nanoseconds. */
static inline uint64_t pk_now_ns(void)
{
#ifdef _WIN32
    LARGE_INTEGER count, frequency;
    QueryPerformanceCounter(&count);
    QueryPerformanceFrequency(&frequency);
    return (uint64_t)((double)count.QuadPart * 1e9 / (double)frequency.QuadPart);
#else
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
#endif
}

/* Seconds on a device's clock: the system's monotonic clock when `now` is NULL, else the
 * virtual clock's time that `now` points to. (How long a callback takes, a statistic of the
 * machine's speed, is always measured on the system's clock.) */
static inline double pk_seconds(const double *now)
{
    return now ? *now : (double)pk_now_ns() * 1e-9;
}

#endif
