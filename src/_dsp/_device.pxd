# Declarations of the device callback in src/kernels/device.h.
from libc.stdint cimport int32_t, int64_t, uint64_t

from _engine cimport pk_engine
from _stream cimport pk_ring

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

    ctypedef struct pk_device:
        pk_engine *engine
        int32_t output_channels
        int32_t input_channels
        double samplerate
        uint64_t recording
        uint64_t callbacks
        uint64_t frames
        uint64_t xruns
        uint64_t late
        uint64_t max_ns
        uint64_t total_ns
        uint64_t time_ns[PK_TIME_BUCKETS]

    int pk_device_callback(const void *input, void *output, unsigned long frames,
                           const void *time_info, unsigned long status, void *device)
    int pk_silence_callback(const void *input, void *output, unsigned long frames,
                            const void *time_info, unsigned long status, void *device)
    uint64_t pk_device_counter(const uint64_t *counter)
    void pk_device_record(pk_device *device, pk_recording *recording)
