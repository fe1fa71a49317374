# Declarations of the device callback in src/kernels/device.h.
from libc.stdint cimport int32_t, int64_t, uint64_t

from _engine cimport PK_BLOCK, pk_engine, pk_node, pk_node_class
from _resample cimport pk_resampler
from _stream cimport pk_ring

cdef extern from "clock.h" nogil:
    double pk_seconds(const double *now)

cdef extern from "device.h" nogil:
    enum:
        PK_TIME_BUCKETS

    ctypedef enum pk_record_source:
        PK_RECORD_INPUT
        PK_RECORD_OUTPUT

    ctypedef struct pk_recording:
        pk_ring frames
        int32_t channels
        int32_t source
        uint64_t dropped
        uint64_t recorded
        int64_t first_frame

    ctypedef struct pk_clock:
        double bandwidth
        int64_t started
        uint64_t jumps
        const double *now

    double pk_clock_update(pk_clock *k, double measured, int64_t frames, double rate)

    ctypedef struct pk_device:
        pk_engine *engine
        int32_t output_channels
        int32_t input_channels
        double samplerate
        int32_t ideal_time
        pk_clock clock
        uint64_t recording
        uint64_t callbacks
        uint64_t frames
        uint64_t xruns
        uint64_t late
        uint64_t max_ns
        uint64_t total_ns
        uint64_t time_ns[PK_TIME_BUCKETS]

    ctypedef struct pk_link:
        int32_t channels
        int32_t started
        pk_ring frames
        double rate
        double pull_rate
        const double *now
        uint64_t offered
        uint64_t overflows
        pk_resampler *resampler
        float *input
        int64_t input_frames
        float *ready
        int64_t ready_count
        int64_t ready_capacity
        double target
        double last_time
        uint64_t pulled
        uint64_t underruns
        uint64_t pulls
        uint64_t total_ns
        uint64_t resample_ns
        int64_t drift_ppb
        int64_t latency_frames
        int64_t debt_frames

    ctypedef struct pk_output:
        pk_node node
        int32_t ideal_time
        int32_t map[64]
        float *tap_scratch
        pk_clock clock
        pk_link link

    ctypedef struct pk_input:
        int32_t ideal_time
        pk_clock clock
        pk_link link

    const pk_node_class pk_tap_class

    int pk_output_callback(const void *input, void *output, unsigned long frames,
                           const void *time_info, unsigned long status, void *output_state)
    void pk_link_reset(pk_link *link)
    int pk_input_callback(const void *input, void *output, unsigned long frames,
                          const void *time_info, unsigned long status, void *input_state)
    int pk_device_callback(const void *input, void *output, unsigned long frames,
                           const void *time_info, unsigned long status, void *device)
    int pk_silence_callback(const void *input, void *output, unsigned long frames,
                            const void *time_info, unsigned long status, void *device)
    void pk_device_record(pk_device *device, pk_recording *recording)
